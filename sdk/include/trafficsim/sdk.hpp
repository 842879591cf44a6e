#pragma once
/// @file
/// The whole C++ SDK in one include.

#include "trafficsim/calendar.hpp"
#include "trafficsim/compose.hpp"
#include "trafficsim/customer.hpp"
#include "trafficsim/limits.hpp"
#include "trafficsim/parameters.hpp"
#include "trafficsim/philox.hpp"
#include "trafficsim/plugin.hpp"
#include "trafficsim/random.hpp"
#include "trafficsim/scenario.hpp"
#include "trafficsim/version.hpp"
