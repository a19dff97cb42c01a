# lit configuration for Edict: one feature per file, RUN and CHECK lines in `//` comments.
import os

import lit.formats

config.name = "edict"
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = [".edict", ".test"]
config.excludes = ["Inputs", "lit.cfg.py", "lit.site.cfg.py"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.edict_obj_root, "tests", "lit")

edict = os.path.join(config.edict_obj_root, "bin", "edict")
stdlib = os.path.join(config.edict_src_root, "stdlib")
config.substitutions.append(("%edict", edict + " "))
config.substitutions.append(("%policies", os.path.join(config.edict_src_root, "policies")))
config.substitutions.append(("%stdlib", stdlib))
config.substitutions.append(("%srcroot", config.edict_src_root))
config.substitutions.append(("%cc", "cc"))

config.environment["PATH"] = os.pathsep.join(
    [config.llvm_tools_dir, config.environment.get("PATH", os.environ.get("PATH", ""))])
config.environment["EDICT_STDLIB"] = stdlib
# No colours or terminal tricks in tests.
config.environment["TERM"] = "dumb"
