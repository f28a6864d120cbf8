#ifndef RISKCENSUS_CGDAL_SHIM_H
#define RISKCENSUS_CGDAL_SHIM_H

#include <gdal.h>
#include <gdal_alg.h>
#include <gdalwarper.h>
#include <gdal_utils.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>
#include <cpl_conv.h>
#include <cpl_error.h>
#include <cpl_string.h>
#include <cpl_vsi.h>

/// CPLError is variadic and cannot be called from Swift. Tests use this to inject a GDAL error.
static inline void riskcensus_cpl_error(CPLErr level, CPLErrorNum num, const char *message) {
    CPLError(level, num, "%s", message);
}

/// CPLQuietErrorHandler as a value Swift can pass to CPLPushErrorHandler.
static inline CPLErrorHandler riskcensus_quiet_error_handler(void) {
    return CPLQuietErrorHandler;
}

#endif
