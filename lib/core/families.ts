/** The random-variable constructor of every distribution family: `rv.Normal({ loc, scale, name })`. (Filled as the families land.) */
export {};
