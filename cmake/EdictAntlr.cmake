# ANTLR: Debian's tool 4.7.2 with the C++ runtime 4.9 (both use ATN serialization v3).
# Debian's antlr4_generate() runs `java -jar antlr4.jar`, whose jar has no Class-Path, so we use
# the /usr/bin/antlr4 wrapper, which sets the classpath itself.
find_package(antlr4-runtime 4.9 REQUIRED CONFIG)      # ANTLR4_INCLUDE_DIR; antlr4_static/_shared
find_program(EDICT_ANTLR4 antlr4 REQUIRED)

# edict_add_antlr_grammar(<target> <grammar.g4> NAMESPACE <ns>): generates the lexer, parser and
# visitor into the build tree and builds them as a static library.
function(edict_add_antlr_grammar target grammar)
  cmake_parse_arguments(ARG "" "NAMESPACE" "" ${ARGN})
  get_filename_component(name ${grammar} NAME_WE)
  set(out ${CMAKE_CURRENT_BINARY_DIR}/generated)
  set(srcs ${out}/${name}Lexer.cpp ${out}/${name}Parser.cpp
           ${out}/${name}BaseVisitor.cpp ${out}/${name}Visitor.cpp)
  string(REPLACE ".cpp" ".h" hdrs "${srcs}")
  add_custom_command(
    OUTPUT ${srcs} ${hdrs}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${out}
    COMMAND ${EDICT_ANTLR4} -Dlanguage=Cpp -visitor -no-listener -Werror
            -package ${ARG_NAMESPACE} -Xexact-output-dir -o ${out}
            ${CMAKE_CURRENT_SOURCE_DIR}/${grammar}
    MAIN_DEPENDENCY ${CMAKE_CURRENT_SOURCE_DIR}/${grammar}
    COMMENT "ANTLR ${grammar} -> ${out}")
  add_library(${target} STATIC ${srcs})
  # 4.7.2 emits u8"" literals, which are char8_t in C++20: keep generated code on C++17.
  set_target_properties(${target} PROPERTIES CXX_STANDARD 17 POSITION_INDEPENDENT_CODE ON)
  target_compile_options(${target} PRIVATE -w)
  # The imported antlr4 targets carry no include directories.
  target_include_directories(${target} SYSTEM PUBLIC ${out} ${ANTLR4_INCLUDE_DIR})
  target_link_libraries(${target} PUBLIC antlr4_static)   # brings in uuid
endfunction()
