# edict_target_warnings(<target>): the warning set for Edict's own code.
function(edict_target_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wno-unused-parameter)
  if(EDICT_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
