// Placeholder: kernels for this file are being written.
#include "../kernel.h"
