/* Probe for tests/layers: compiles only where the include path offers check.h. */
#include "check.h"
