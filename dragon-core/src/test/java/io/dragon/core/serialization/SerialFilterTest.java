package io.dragon.core.serialization;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dragon.core.serialization.SerialFilter.Scope;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.lang.management.ManagementFactory;
import java.lang.reflect.Proxy;
import java.net.URL;
import java.nio.ByteBuffer;
import java.text.DecimalFormat;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;

class SerialFilterTest {
    private static final SerialFilter PROGRAM = SerialFilter.of(Scope.PROGRAM, null);
    private static final SerialFilter CALL = SerialFilter.of(Scope.CALL, null);

    /** A class of the program (the test's classpath). */
    record Point(int x, int y) implements Serializable {
    }

    /** A class of the program whose readObject swallows what it reads. */
    static final class Swallower implements Serializable {
        private static final long serialVersionUID = 1L;
        private Object inner;

        Swallower(Object inner) {
            this.inner = inner;
        }

        private void readObject(java.io.ObjectInputStream in) {
            try {
                in.defaultReadObject();
            } catch (IOException | ClassNotFoundException e) {
                inner = null;
            }
        }
    }

    @Test
    void shouldRefuseAFewBytesThatDeclareAHugeArrayWithoutAllocatingIt() throws Exception {
        byte[] forged = lengthPatched(serialize(new long[0]), 1 << 26); // 512 MiB of longs, within maxarray
        assertThat(forged).hasSize(27);
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory
            .getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        assertThatThrownBy(() -> read(PROGRAM, forged)).isInstanceOf(SerialFilter.Refused.class)
            .hasMessageContaining("an array of 67108864 elements").hasMessageContaining("corrupt or forged");
        assertThat(threads.getCurrentThreadAllocatedBytes() - before).isLessThan(1 << 20);

        byte[] beyondMax = lengthPatched(serialize(new byte[0]), Integer.MAX_VALUE);
        assertThatThrownBy(() -> read(PROGRAM, beyondMax)).isInstanceOf(SerialFilter.Refused.class)
            .hasMessageContaining("more than maxarray=" + SerialFilter.DEFAULT_MAX_ARRAY)
            .hasMessageContaining("--serial-filter 'maxarray=2147483647'");
    }

    @Test
    void shouldRefuseAHashMapThatClaimsMoreEntriesThanItsBytesHold() throws Exception {
        byte[] bytes = serialize(new HashMap<>(Map.of("k", "v")));
        // HashMap writes its size (int) just before its entries: claim 2^28 entries instead of 1.
        int size = indexOf(bytes, new byte[] {0, 0, 0, 1, 0x74, 0, 1, 'k'});
        ByteBuffer.wrap(bytes).putInt(size, 1 << 28);
        assertThatThrownBy(() -> read(PROGRAM, bytes)).isInstanceOf(SerialFilter.Refused.class)
            .hasMessageContaining("corrupt or forged");
    }

    @Test
    void shouldPassLargeRealDataWithTheDefaults() throws Exception {
        long[] numbers = new long[1 << 20];
        numbers[numbers.length - 1] = 7;
        assertThat((long[]) read(PROGRAM, serialize(numbers))).hasSize(1 << 20).endsWith(7L);
        List<Integer> list = new ArrayList<>();
        Map<Integer, List<Integer>> map = new HashMap<>();
        for (int i = 0; i < 200_000; i++) {
            list.add(i);
            map.put(i, List.of(i));
        }
        assertThat(read(PROGRAM, serialize(list))).isEqualTo(list);
        assertThat(read(PROGRAM, serialize(map))).isEqualTo(map);
        Object nested = nested(SerialFilter.DEFAULT_MAX_DEPTH / 2);
        assertThat(read(PROGRAM, serialize(nested))).isEqualTo(nested);
    }

    @Test
    void shouldRefuseDataNestedDeeperOrHoldingMoreObjectsThanTheLimits() throws Exception {
        byte[] deep = serialize(nested(SerialFilter.DEFAULT_MAX_DEPTH + 10));
        assertThatThrownBy(() -> read(PROGRAM, deep)).isInstanceOf(SerialFilter.Refused.class)
            .hasMessageContaining("more than maxdepth=" + SerialFilter.DEFAULT_MAX_DEPTH)
            .hasMessageContaining("--serial-filter 'maxdepth=");
        assertThat(read(SerialFilter.of(Scope.PROGRAM, "maxdepth=500"), deep)).isNotNull();

        List<Object> many = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            many.add(new Point(i, i));
        }
        SerialFilter fewRefs = SerialFilter.of(Scope.PROGRAM, "maxrefs=1000");
        assertThatThrownBy(() -> read(fewRefs, serialize(many))).isInstanceOf(SerialFilter.Refused.class)
            .hasMessageContaining("more than maxrefs=1000 objects");

        SerialFilter fewBytes = SerialFilter.of(Scope.PROGRAM, "maxbytes=100");
        assertThatThrownBy(() -> read(fewBytes, serialize(new byte[200]))).isInstanceOf(SerialFilter.Refused.class)
            .hasMessageContaining("more than maxbytes=100");
    }

    @Test
    void shouldRefuseGadgetsAndJdkClassesOffTheList() throws Exception {
        // The shape of URLDNS, a HashMap keyed by a URL (whose hashCode resolves the host); a file URL resolves none.
        HashMap<URL, String> urldns = new HashMap<>(Map.of(new URL("file:/tmp/x"), "x"));
        assertThatThrownBy(() -> read(PROGRAM, serialize(urldns))).isInstanceOf(SerialFilter.Refused.class)
            .hasMessageContaining("class java.net.URL is refused")
            .hasMessageContaining("known to serve deserialization attacks")
            .hasMessageContaining("dragon --serial-filter 'java.net.URL'");

        assertThatThrownBy(() -> read(PROGRAM, serialize(new DecimalFormat("0.0"))))
            .isInstanceOf(SerialFilter.Refused.class).hasMessageContaining("class java.text.DecimalFormat is refused")
            .hasMessageContaining("only these are accepted: java.lang");

        Object proxy = Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {Runnable.class},
            (HandlerForTest) (self, method, args) -> null);
        assertThatThrownBy(() -> read(PROGRAM, serialize(proxy))).isInstanceOf(SerialFilter.Refused.class)
            .hasMessageContaining("java.lang.reflect.Proxy");
    }

    /** A serializable invocation handler. */
    interface HandlerForTest extends java.lang.reflect.InvocationHandler, Serializable {
    }

    @Test
    void shouldAcceptTheProgramsClassesAndTheCommonJdkOnes() throws Exception {
        Map<String, Object> value = new HashMap<>(Map.of("point", new Point(1, 2), "date", LocalDate.of(2024, 1, 2),
            "list", List.of(1L, "two", 3.0, new int[] {4}), "big", new java.math.BigDecimal("1.5")));
        Map<?, ?> back = (Map<?, ?>) read(PROGRAM, serialize(value));
        assertThat(back.get("point")).isEqualTo(new Point(1, 2));
        assertThat(back.get("date")).isEqualTo(LocalDate.of(2024, 1, 2));
        Callable<String> lambda = (Callable<String> & Serializable) () -> "ran";
        assertThat(((Callable<?>) read(PROGRAM, serialize(lambda))).call()).isEqualTo("ran");
    }

    @Test
    void shouldLimitRemoteCallsToTheRuntimesClassesJavaLangAndLambdas() throws Exception {
        long captured = 42;
        byte[] bytes = {1, 2};
        Callable<Long> call = (Callable<Long> & Serializable) () -> captured + bytes.length;
        assertThat(((Callable<?>) read(CALL, serialize(call))).call()).isEqualTo(44L);

        ArrayList<String> list = new ArrayList<>(List.of("a"));
        Callable<Integer> holdingAList = (Callable<Integer> & Serializable) list::size;
        assertThatThrownBy(() -> read(CALL, serialize(holdingAList))).isInstanceOf(SerialFilter.Refused.class)
            .hasMessageContaining("class java.util.ArrayList is refused")
            .hasMessageContaining("a remote call may hold only java.lang");
        assertThat(read(PROGRAM, serialize(holdingAList))).isNotNull();
    }

    @Test
    void shouldLetTheSettingAllowAndRefuseClasses() throws Exception {
        SerialFilter allowing = SerialFilter.of(Scope.PROGRAM, " java.text.* ; java.net.URL;maxdepth=200");
        assertThat(read(allowing, serialize(new DecimalFormat("0.0")))).isEqualTo(new DecimalFormat("0.0"));
        assertThat(read(allowing, serialize(new URL("file:/tmp/x"))).toString()).isEqualTo("file:/tmp/x");
        assertThat(read(allowing, serialize(nested(150)))).isNotNull();

        SerialFilter refusing = SerialFilter.of(Scope.PROGRAM, "!io.dragon.core.serialization.*");
        assertThatThrownBy(() -> read(refusing, serialize(new Point(1, 2)))).isInstanceOf(SerialFilter.Refused.class)
            .hasMessageContaining("--serial-filter refuses it");

        assertThatThrownBy(() -> SerialFilter.of(Scope.PROGRAM, "maxfoo=1"))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unknown limit 'maxfoo=1'");
        assertThatThrownBy(() -> SerialFilter.of(Scope.PROGRAM, "maxdepth=lots"))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("a limit is a number");
        assertThatThrownBy(() -> SerialFilter.of(Scope.PROGRAM, "!"))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("is not a class pattern");
    }

    @Test
    void shouldRefuseEvenWhenAReadObjectMethodSwallowsTheRefusal() throws Exception {
        byte[] bytes = serialize(new Swallower(new DecimalFormat("0")));
        assertThatThrownBy(() -> read(PROGRAM, bytes)).isInstanceOf(SerialFilter.Refused.class)
            .hasMessageContaining("java.text.DecimalFormat");
    }

    private static Object read(SerialFilter filter, byte[] bytes) throws Exception {
        return filter.read(new ByteArrayInputStream(bytes), bytes.length);
    }

    private static byte[] serialize(Object value) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(value);
        }
        return bytes.toByteArray();
    }

    /** A serialized empty array with its length (the last 4 bytes) changed. */
    private static byte[] lengthPatched(byte[] emptyArray, int length) {
        ByteBuffer.wrap(emptyArray).putInt(emptyArray.length - Integer.BYTES, length);
        return emptyArray;
    }

    private static int indexOf(byte[] bytes, byte[] part) {
        for (int i = 0; i + part.length <= bytes.length; i++) {
            if (java.util.Arrays.equals(bytes, i, i + part.length, part, 0, part.length)) {
                return i;
            }
        }
        throw new AssertionError("not in the data");
    }

    /** Lists in lists, {@code depth} deep. */
    private static Object nested(long depth) {
        List<Object> list = new ArrayList<>(List.of("bottom"));
        for (long i = 0; i < depth; i++) {
            list = new ArrayList<>(List.of(list));
        }
        return list;
    }
}
