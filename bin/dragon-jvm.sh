# Sourced by bin/dragon, bin/dragon-cleanup and bin/dragon-cds: sets $java, $lib, $cds (the directory of the
# class-data-sharing archives for this JDK; empty: none) and the JVM options $opts of the launcher JVM.
# bin/dragon-cds sets $cds_train first: the launcher then records its archive instead of using it.
# shellcheck shell=bash
# The one place that knows the two layouts, both under $home (the directory above bin/, symbolic links resolved):
# an installed tree, the distribution's tarball unpacked (lib/ beside bin/), or the build tree, where dragon-cli
# makes the same in target/. Either has lib/ (the runtime's jars), native/ (JNA's library) and cds/ (the archives).
# shellcheck disable=SC2154 # $home: set by the script that sources this one
if [ -d "$home/lib" ]; then
  base="$home"
else
  base="$home/dragon-cli/target"
fi
lib="$base/lib"
if [ ! -d "$lib" ]; then
  echo "dragon: the runtime is not built yet; run: (cd '$home' && mvn -q -DskipTests package)" >&2
  exit 125
fi
java="${JAVA_HOME:+$JAVA_HOME/bin/}java"
if ! command -v "$java" >/dev/null 2>&1; then
  echo "dragon: no java found (${JAVA_HOME:+JAVA_HOME is $JAVA_HOME, without bin/java; }looked for $java): the" \
    "runtime needs Java 17 or newer; set JAVA_HOME to one, or put its bin on PATH" >&2
  exit 125
fi
# The JDK's release file names its version and build, read without starting a JVM. Without one (an odd JDK): no
# JDK options and no archive below.
if [ -n "${JAVA_HOME:-}" ]; then
  java_home="$JAVA_HOME"
else
  java_home="$(readlink -f "$(command -v java || echo /)")"
  java_home="${java_home%/bin/java}"
fi
jdk_vendor="" jdk_version="" jdk_build=""
if [ -f "$java_home/release" ]; then
  while IFS='=' read -r key value; do
    value="${value#\"}" value="${value%\"}"
    case "$key" in
      IMPLEMENTOR) jdk_vendor="$value" ;;
      JAVA_VERSION) jdk_version="$value" ;;
      JAVA_RUNTIME_VERSION) jdk_build="$value" ;;
    esac
  done <"$java_home/release"
fi
jdk_feature="${jdk_version%%[.+-]*}"
if [[ "$jdk_feature" =~ ^[0-9]+$ ]] && [ "$jdk_feature" -lt 17 ]; then
  echo "dragon: $java is Java $jdk_version: the runtime needs Java 17 or newer; set JAVA_HOME to one" >&2
  exit 125
fi
# The options every JVM of the runtime, and every Java process it starts, needs on this JDK: the runtime passes them
# on (dragon.jdk.options, see InheritedProperties). From JDK 24 the JDK warns on stderr, once per JVM, when JNA loads
# its library without native access granted (JEP 472) and when msgpack and UnsafeAccess use sun.misc.Unsafe's
# memory access (JEP 498). JDK 17 knows --enable-native-access too, but there it would only cost the archived
# module graph of class-data sharing (-Xlog:cds: "full module graph: disabled").
jdk_opts=()
if [[ "$jdk_feature" =~ ^[0-9]+$ ]] && [ "$jdk_feature" -ge 24 ]; then
  jdk_opts=(--enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow)
fi
# Short-lived and mostly waiting: the serial GC and the client compiler start it fastest, and so do the
# class-data-sharing archives (one per JVM of the runtime, see ClassDataSharing). An archive holds only for the
# JDK build that made it: each build of each vendor has its directory, and one without gets none. The JVM's
# complaints about an archive (jars rebuilt since, or from JDK 24 the archived module graph that
# --enable-native-access turns off) are not the program's: they would land in its stderr, and cost only time.
opts=(-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:-UsePerfData -Xlog:disable -Xlog:all=warning:stderr)
if [ ${#jdk_opts[@]} -gt 0 ]; then
  opts+=("${jdk_opts[@]}" "-Ddragon.jdk.options=${jdk_opts[*]}")
fi
cds=""
if [ -n "$jdk_build" ]; then
  jdk="$jdk_vendor-$jdk_build"
  cds="$base/cds/${jdk//[^A-Za-z0-9._+-]/_}"
fi
if [ -n "${cds_train:-}" ]; then
  opts+=("-XX:ArchiveClassesAtExit=$cds/DragonCommand.jsa" "-Ddragon.cds.dir=$cds" -Ddragon.cds.train=true
    -Xlog:all=error:stderr) # not a warning for each class the archive cannot hold
elif [ -f "$cds/DragonCommand.jsa" ]; then
  opts+=("-XX:SharedArchiveFile=$cds/DragonCommand.jsa" "-Xlog:cds*=off:stderr" "-Ddragon.cds.dir=$cds")
fi
# JNA's native library, unpacked by the build, so that no JVM of the runtime extracts it again (see JavaCommand).
case "$(uname -m)" in
  x86_64) jna_arch=x86-64 ;;
  *) jna_arch="$(uname -m)" ;;
esac
jna="$base/native/com/sun/jna/linux-$jna_arch"
if [ -f "$jna/libjnidispatch.so" ]; then
  opts+=("-Djna.boot.library.path=$jna")
fi
