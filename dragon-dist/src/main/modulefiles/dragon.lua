-- Lmod module file of Dragon for the JVM ${project.version}. It finds the installed tree from its own path
-- (<install>/etc/modulefiles/dragon/${project.version}.lua): `module use <install>/etc/modulefiles`, then
-- `module load dragon`. A copy kept elsewhere needs root set to the install directory.
local root = myFileName():match("^(.*)/etc/modulefiles/dragon/[^/]+$")

whatis("Name: Dragon for the JVM")
whatis("Version: ${project.version}")
whatis("Description: runs JVM programs under the Dragon distributed runtime, on one node or a Slurm job's nodes")
help([[
Dragon for the JVM ${project.version}: `dragon my.jar` runs a program under the Dragon runtime.
`dragon --help` and `man dragon` list the options; the docs are in $DRAGON_HOME/docs.
Needs Java 17 or newer: JAVA_HOME, else java on PATH.
Bash completion: source $DRAGON_HOME/share/bash-completion/completions/dragon
]])

setenv("DRAGON_HOME", root)
prepend_path("PATH", pathJoin(root, "bin"))
prepend_path("MANPATH", pathJoin(root, "share/man"))
-- an empty entry stands for man's own path: a MANPATH of this one directory alone would hide every other man page
append_path("MANPATH", "")
