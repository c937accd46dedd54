#!/usr/bin/env bash
# Prepares what bench/gpu-check.sh needs on a GPU machine that has no Node.js or network, in the
# ignored folder .carry/: this machine's node binary (xz), the node_modules the tests and
# benchmarks load (tar.xz, without TypeScript), and NumPyro's peer script. Builds the CUDA addon
# and dist/ first. Then carry ['.carry', 'dist'].
set -euo pipefail
cd "$(dirname "$0")/.."
npm run build:cuda
npm run build:ts
mkdir -p .carry/peers
[ -f .carry/node.xz ] && [ .carry/node.xz -nt "$(command -v node)" ] || xz -9 -T2 < "$(command -v node)" > .carry/node.xz
tar -cf - --exclude=node_modules/typescript --exclude=node_modules/.cache node_modules | xz -6 -T2 > .carry/modules.tar.xz
cp ../shared/peers/numpyro_logreg.py .carry/peers/
# The addon holds tens of MB of GPU code: it travels compressed (carry .carry and dist only).
xz -6 -T2 < build/Release/randvar.node > .carry/randvar.node.xz
du -sh .carry dist
