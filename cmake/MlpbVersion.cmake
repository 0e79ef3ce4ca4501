# Read MLPB_VERSION_{MAJOR,MINOR,PATCH} from the public header, the one place
# the version is written.
function(mlpb_read_version header out)
    file(STRINGS "${header}" lines REGEX "^#define MLPB_VERSION_(MAJOR|MINOR|PATCH) +[0-9]+")
    foreach(part MAJOR MINOR PATCH)
        string(REGEX MATCH "MLPB_VERSION_${part} +([0-9]+)" _ "${lines}")
        set(v_${part} "${CMAKE_MATCH_1}")
        if(v_${part} STREQUAL "")
            message(FATAL_ERROR "MLPB_VERSION_${part} not found in ${header}")
        endif()
        set(MLPB_VERSION_${part} ${v_${part}} PARENT_SCOPE)
    endforeach()
    set(${out} "${v_MAJOR}.${v_MINOR}.${v_PATCH}" PARENT_SCOPE)
endfunction()
