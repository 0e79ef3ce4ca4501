# oneDNN for the bf16 products (and the opt-in fp32 sgemm): its header at
# build time and the name (soname) of its shared library, which
# src/kernel_dnnl.c loads on first use: nothing links oneDNN, so a process
# that never asks for it never loads it (with its C++ and OpenMP runtimes),
# and libmlpblas runs where it is missing. Sets MLPB_ONEDNN_FOUND,
# MLPB_DNNL_INCLUDE_DIR, MLPB_DNNL_SONAME and MLPB_DNNL_PATH (the soname in
# the directory it was found in, tried when the loader's search does not
# find it). A oneDNN outside the default paths: CMAKE_PREFIX_PATH, or
# MLPB_DNNL_INCLUDE_DIR and MLPB_DNNL_LIBRARY.
include_guard(GLOBAL)
set(MLPB_ONEDNN_FOUND OFF)
find_path(MLPB_DNNL_INCLUDE_DIR oneapi/dnnl/dnnl.h)
find_library(MLPB_DNNL_LIBRARY dnnl)
if(MLPB_DNNL_INCLUDE_DIR AND MLPB_DNNL_LIBRARY)
    # The soname, as the dynamic linker would record it for a program linked
    # with -ldnnl; else the file's own name.
    set(MLPB_DNNL_SONAME "")
    if(CMAKE_OBJDUMP)
        execute_process(COMMAND "${CMAKE_OBJDUMP}" -p "${MLPB_DNNL_LIBRARY}"
                        OUTPUT_VARIABLE _mlpb_dnnl_dyn ERROR_QUIET)
        if(_mlpb_dnnl_dyn MATCHES "SONAME[ \t]+([^ \t\r\n]+)")
            set(MLPB_DNNL_SONAME "${CMAKE_MATCH_1}")
        endif()
        unset(_mlpb_dnnl_dyn)
    endif()
    if(NOT MLPB_DNNL_SONAME)
        get_filename_component(MLPB_DNNL_SONAME "${MLPB_DNNL_LIBRARY}" NAME)
    endif()
    get_filename_component(_mlpb_dnnl_dir "${MLPB_DNNL_LIBRARY}" DIRECTORY)
    set(MLPB_DNNL_PATH "${_mlpb_dnnl_dir}/${MLPB_DNNL_SONAME}")
    unset(_mlpb_dnnl_dir)
    set(MLPB_ONEDNN_FOUND ON)
endif()
# For programs that call oneDNN themselves (the benchmarks): linked as usual.
if(MLPB_ONEDNN_FOUND AND NOT TARGET mlpblas::dnnl)
    add_library(mlpblas::dnnl INTERFACE IMPORTED)
    target_include_directories(mlpblas::dnnl INTERFACE "${MLPB_DNNL_INCLUDE_DIR}")
    target_link_libraries(mlpblas::dnnl INTERFACE "${MLPB_DNNL_LIBRARY}")
endif()
