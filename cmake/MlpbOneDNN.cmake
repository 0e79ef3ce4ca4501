# oneDNN for the bf16 products (and the opt-in fp32 sgemm): the imported
# target mlpblas::dnnl, found through oneDNN's CMake package or, failing
# that, its header and library; MLPB_ONEDNN_FOUND says whether it was.
# mlpblas::dnnl_omp (when found) is the OpenMP runtime oneDNN threads with,
# for setting its thread count per calling thread. Installed beside
# mlpblasConfig.cmake for consumers of a static library built with it.
include_guard(GLOBAL)
set(MLPB_ONEDNN_FOUND OFF)
if(NOT TARGET mlpblas::dnnl)
    find_package(dnnl CONFIG QUIET)
    if(TARGET DNNL::dnnl)
        add_library(mlpblas::dnnl INTERFACE IMPORTED)
        target_link_libraries(mlpblas::dnnl INTERFACE DNNL::dnnl)
    else()
        find_path(MLPB_DNNL_INCLUDE_DIR oneapi/dnnl/dnnl.h)
        find_library(MLPB_DNNL_LIBRARY dnnl)
        if(MLPB_DNNL_INCLUDE_DIR AND MLPB_DNNL_LIBRARY)
            add_library(mlpblas::dnnl INTERFACE IMPORTED)
            target_include_directories(mlpblas::dnnl INTERFACE ${MLPB_DNNL_INCLUDE_DIR})
            target_link_libraries(mlpblas::dnnl INTERFACE ${MLPB_DNNL_LIBRARY})
        endif()
    endif()
endif()
if(TARGET mlpblas::dnnl)
    set(MLPB_ONEDNN_FOUND ON)
    if(NOT TARGET mlpblas::dnnl_omp)
        # In the language the including project has: a consumer of the
        # static library may be C++ only.
        if(CMAKE_C_COMPILER_LOADED)
            set(_mlpb_omp_lang C)
        else()
            set(_mlpb_omp_lang CXX)
        endif()
        find_package(OpenMP QUIET COMPONENTS ${_mlpb_omp_lang})
        if(OpenMP_${_mlpb_omp_lang}_FOUND)
            add_library(mlpblas::dnnl_omp INTERFACE IMPORTED)
            target_link_libraries(mlpblas::dnnl_omp INTERFACE OpenMP::OpenMP_${_mlpb_omp_lang})
        endif()
        unset(_mlpb_omp_lang)
    endif()
endif()
