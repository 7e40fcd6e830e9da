/* Probe for tests/layers: compiles only where the include path offers workspace.h. */
#include "workspace.h"
