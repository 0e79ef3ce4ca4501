# protobuf-c, the runtime of libmlpblas_onnx: the imported target
# mlpblas::protobuf_c (pkg-config libprotobuf-c, else a plain search).
# Sets MLPB_PROTOBUF_C_FOUND. Used by the build and by the installed
# package config.
if(NOT TARGET mlpblas::protobuf_c)
    find_package(PkgConfig QUIET)
    if(PKG_CONFIG_FOUND)
        pkg_check_modules(MLPB_PC_PROTOBUF_C QUIET IMPORTED_TARGET libprotobuf-c)
    endif()
    if(MLPB_PC_PROTOBUF_C_FOUND)
        add_library(mlpblas::protobuf_c INTERFACE IMPORTED)
        target_link_libraries(mlpblas::protobuf_c INTERFACE PkgConfig::MLPB_PC_PROTOBUF_C)
    else()
        find_path(MLPB_PROTOBUF_C_INCLUDE_DIR protobuf-c/protobuf-c.h)
        find_library(MLPB_PROTOBUF_C_LIBRARY protobuf-c)
        if(MLPB_PROTOBUF_C_INCLUDE_DIR AND MLPB_PROTOBUF_C_LIBRARY)
            add_library(mlpblas::protobuf_c INTERFACE IMPORTED)
            target_include_directories(mlpblas::protobuf_c INTERFACE
                ${MLPB_PROTOBUF_C_INCLUDE_DIR})
            target_link_libraries(mlpblas::protobuf_c INTERFACE ${MLPB_PROTOBUF_C_LIBRARY})
        endif()
    endif()
endif()
if(TARGET mlpblas::protobuf_c)
    set(MLPB_PROTOBUF_C_FOUND ON)
else()
    set(MLPB_PROTOBUF_C_FOUND OFF)
endif()
