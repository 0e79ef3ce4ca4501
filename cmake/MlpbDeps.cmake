# Imported targets for the dependencies: mlpblas::cblas (OpenBLAS through its
# CBLAS interface), mlpblas::lapacke, ZLIB::ZLIB and Threads::Threads.
# Installed beside mlpblasConfig.cmake so that consumers of the static library
# find them too.
include_guard(GLOBAL)
find_package(PkgConfig QUIET)

if(NOT TARGET mlpblas::cblas)
    if(PKG_CONFIG_FOUND)
        pkg_check_modules(MLPB_OPENBLAS QUIET IMPORTED_TARGET openblas)
    endif()
    if(MLPB_OPENBLAS_FOUND)
        add_library(mlpblas::cblas INTERFACE IMPORTED)
        target_link_libraries(mlpblas::cblas INTERFACE PkgConfig::MLPB_OPENBLAS)
    else()
        find_package(OpenBLAS CONFIG QUIET)
        if(NOT OpenBLAS_FOUND)
            message(FATAL_ERROR "mlpblas needs OpenBLAS (Debian: libopenblas-dev)")
        endif()
        add_library(mlpblas::cblas INTERFACE IMPORTED)
        target_include_directories(mlpblas::cblas INTERFACE ${OpenBLAS_INCLUDE_DIRS})
        target_link_libraries(mlpblas::cblas INTERFACE ${OpenBLAS_LIBRARIES})
    endif()
endif()

if(NOT TARGET mlpblas::lapacke)
    if(PKG_CONFIG_FOUND)
        pkg_check_modules(MLPB_LAPACKE QUIET IMPORTED_TARGET lapacke)
    endif()
    add_library(mlpblas::lapacke INTERFACE IMPORTED)
    if(MLPB_LAPACKE_FOUND)
        target_link_libraries(mlpblas::lapacke INTERFACE PkgConfig::MLPB_LAPACKE)
    else()
        find_path(MLPB_LAPACKE_INCLUDE_DIR lapacke.h)
        find_library(MLPB_LAPACKE_LIBRARY lapacke)
        if(NOT MLPB_LAPACKE_INCLUDE_DIR OR NOT MLPB_LAPACKE_LIBRARY)
            message(FATAL_ERROR "mlpblas needs LAPACKE (Debian: liblapacke-dev)")
        endif()
        target_include_directories(mlpblas::lapacke INTERFACE ${MLPB_LAPACKE_INCLUDE_DIR})
        target_link_libraries(mlpblas::lapacke INTERFACE ${MLPB_LAPACKE_LIBRARY})
    endif()
endif()

find_package(ZLIB REQUIRED)

# The threads of MLPB_THREADING_SPLIT.
set(THREADS_PREFER_PTHREAD_FLAG ON)
find_package(Threads REQUIRED)
