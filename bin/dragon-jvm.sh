# Sourced by bin/dragon and bin/dragon-cleanup: sets $java, $lib and the JVM options $opts of the launcher JVM.
# shellcheck shell=bash
lib="$home/dragon-cli/target/lib"
if [ ! -d "$lib" ]; then
  echo "dragon: the runtime is not built yet; run: (cd $home && mvn -q -DskipTests package)" >&2
  exit 125
fi
java="${JAVA_HOME:+$JAVA_HOME/bin/}java"
# Short-lived and mostly waiting: the serial GC and the client compiler start it fastest, and so do the build's
# class-data-sharing archives (dragon-cli/target/cds: one per JVM of the runtime, see ClassDataSharing).
opts=(-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:-UsePerfData -Xlog:disable -Xlog:all=warning:stderr)
cds="$home/dragon-cli/target/cds"
if [ -f "$cds/DragonCommand.jsa" ]; then
  opts+=("-XX:SharedArchiveFile=$cds/DragonCommand.jsa" "-Ddragon.cds.dir=$cds")
fi
# JNA's native library, unpacked by the build, so that no JVM of the runtime extracts it again (see JavaCommand).
case "$(uname -m)" in
  x86_64) jna_arch=x86-64 ;;
  *) jna_arch="$(uname -m)" ;;
esac
jna="$home/dragon-cli/target/native/com/sun/jna/linux-$jna_arch"
if [ -f "$jna/libjnidispatch.so" ]; then
  opts+=("-Djna.boot.library.path=$jna")
fi
