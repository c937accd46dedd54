/**
 * The random-variable constructor of every distribution family, under the family's name:
 * `rv.Normal({ loc, scale, name, sampleShape, value })` makes a RandomVariable through the
 * tracer stack (see constructor.ts).
 */
import * as d from '../distributions/index';
import { randomVariableConstructor } from './constructor';

/** A Normal random variable. @example rv.Normal({ ..., name: 'x' }) */
export const Normal = randomVariableConstructor(d.Normal);
/** A HalfNormal random variable. @example rv.HalfNormal({ ..., name: 'x' }) */
export const HalfNormal = randomVariableConstructor(d.HalfNormal);
/** A LogNormal random variable. @example rv.LogNormal({ ..., name: 'x' }) */
export const LogNormal = randomVariableConstructor(d.LogNormal);
/** A StudentT random variable. @example rv.StudentT({ ..., name: 'x' }) */
export const StudentT = randomVariableConstructor(d.StudentT);
/** A Cauchy random variable. @example rv.Cauchy({ ..., name: 'x' }) */
export const Cauchy = randomVariableConstructor(d.Cauchy);
/** A HalfCauchy random variable. @example rv.HalfCauchy({ ..., name: 'x' }) */
export const HalfCauchy = randomVariableConstructor(d.HalfCauchy);
/** A Laplace random variable. @example rv.Laplace({ ..., name: 'x' }) */
export const Laplace = randomVariableConstructor(d.Laplace);
/** A Logistic random variable. @example rv.Logistic({ ..., name: 'x' }) */
export const Logistic = randomVariableConstructor(d.Logistic);
/** A Gumbel random variable. @example rv.Gumbel({ ..., name: 'x' }) */
export const Gumbel = randomVariableConstructor(d.Gumbel);
/** A Uniform random variable. @example rv.Uniform({ ..., name: 'x' }) */
export const Uniform = randomVariableConstructor(d.Uniform);
/** A Exponential random variable. @example rv.Exponential({ ..., name: 'x' }) */
export const Exponential = randomVariableConstructor(d.Exponential);
/** A Gamma random variable. @example rv.Gamma({ ..., name: 'x' }) */
export const Gamma = randomVariableConstructor(d.Gamma);
/** A InverseGamma random variable. @example rv.InverseGamma({ ..., name: 'x' }) */
export const InverseGamma = randomVariableConstructor(d.InverseGamma);
/** A Beta random variable. @example rv.Beta({ ..., name: 'x' }) */
export const Beta = randomVariableConstructor(d.Beta);
/** A Chi2 random variable. @example rv.Chi2({ ..., name: 'x' }) */
export const Chi2 = randomVariableConstructor(d.Chi2);
/** A Weibull random variable. @example rv.Weibull({ ..., name: 'x' }) */
export const Weibull = randomVariableConstructor(d.Weibull);
/** A Pareto random variable. @example rv.Pareto({ ..., name: 'x' }) */
export const Pareto = randomVariableConstructor(d.Pareto);
/** A VonMises random variable. @example rv.VonMises({ ..., name: 'x' }) */
export const VonMises = randomVariableConstructor(d.VonMises);
/** A Bernoulli random variable. @example rv.Bernoulli({ ..., name: 'x' }) */
export const Bernoulli = randomVariableConstructor(d.Bernoulli);
/** A Binomial random variable. @example rv.Binomial({ ..., name: 'x' }) */
export const Binomial = randomVariableConstructor(d.Binomial);
/** A Categorical random variable. @example rv.Categorical({ ..., name: 'x' }) */
export const Categorical = randomVariableConstructor(d.Categorical);
/** A OneHotCategorical random variable. @example rv.OneHotCategorical({ ..., name: 'x' }) */
export const OneHotCategorical = randomVariableConstructor(d.OneHotCategorical);
/** A Multinomial random variable. @example rv.Multinomial({ ..., name: 'x' }) */
export const Multinomial = randomVariableConstructor(d.Multinomial);
/** A Poisson random variable. @example rv.Poisson({ ..., name: 'x' }) */
export const Poisson = randomVariableConstructor(d.Poisson);
/** A NegativeBinomial random variable. @example rv.NegativeBinomial({ ..., name: 'x' }) */
export const NegativeBinomial = randomVariableConstructor(d.NegativeBinomial);
/** A Geometric random variable. @example rv.Geometric({ ..., name: 'x' }) */
export const Geometric = randomVariableConstructor(d.Geometric);
/** A Dirichlet random variable. @example rv.Dirichlet({ ..., name: 'x' }) */
export const Dirichlet = randomVariableConstructor(d.Dirichlet);
/** A MultivariateNormalDiag random variable. @example rv.MultivariateNormalDiag({ ..., name: 'x' }) */
export const MultivariateNormalDiag = randomVariableConstructor(d.MultivariateNormalDiag);
/** A MultivariateNormalTriL random variable. @example rv.MultivariateNormalTriL({ ..., name: 'x' }) */
export const MultivariateNormalTriL = randomVariableConstructor(d.MultivariateNormalTriL);
/** A LKJCholesky random variable. @example rv.LKJCholesky({ ..., name: 'x' }) */
export const LKJCholesky = randomVariableConstructor(d.LKJCholesky);
/** A RelaxedBernoulli random variable. @example rv.RelaxedBernoulli({ ..., name: 'x' }) */
export const RelaxedBernoulli = randomVariableConstructor(d.RelaxedBernoulli);
/** A RelaxedOneHotCategorical random variable. @example rv.RelaxedOneHotCategorical({ ..., name: 'x' }) */
export const RelaxedOneHotCategorical = randomVariableConstructor(d.RelaxedOneHotCategorical);
/** A Mixture random variable. @example rv.Mixture({ ..., name: 'x' }) */
export const Mixture = randomVariableConstructor(d.Mixture);
/** A MixtureSameFamily random variable. @example rv.MixtureSameFamily({ ..., name: 'x' }) */
export const MixtureSameFamily = randomVariableConstructor(d.MixtureSameFamily);
/** A Independent random variable. @example rv.Independent({ ..., name: 'x' }) */
export const Independent = randomVariableConstructor(d.Independent);
/** A Empirical random variable. @example rv.Empirical({ ..., name: 'x' }) */
export const Empirical = randomVariableConstructor(d.Empirical);
/** A Deterministic random variable. @example rv.Deterministic({ ..., name: 'x' }) */
export const Deterministic = randomVariableConstructor(d.Deterministic);
/** A TransformedDistribution random variable. @example rv.TransformedDistribution({ ..., name: 'x' }) */
export const TransformedDistribution = randomVariableConstructor(d.TransformedDistribution);
