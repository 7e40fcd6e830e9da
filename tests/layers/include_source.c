/* Probe for tests/layers: compiles only where the include path offers source.h. */
#include "source.h"
