/* Probe for tests/layers: compiles only where the include path offers classify.h. */
#include "classify.h"
