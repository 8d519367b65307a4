package io.dragon.core.messages;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.lang.reflect.Array;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The catalog is whole: every record that the sealed {@link Message} permits has a unique wire code, survives
 * {@link MessageCodec} with every field set, and has its row in docs/messages.md, which lists nothing else.
 */
class MessageCatalogTest {
    /** The records of the sealed hierarchy, found without {@link MessageType}, whose building they check. */
    private static final List<Class<?>> RECORDS = records(Message.class, new ArrayList<>());

    private static List<Class<?>> records(Class<?> type, List<Class<?>> found) {
        if (type.isRecord()) {
            found.add(type);
        } else {
            for (Class<?> permitted : type.getPermittedSubclasses()) {
                records(permitted, found);
            }
        }
        return found;
    }

    @Test
    void everyRecordShouldHaveItsOwnCode() {
        Map<Integer, String> byCode = new HashMap<>();
        List<String> problems = new ArrayList<>();
        for (Class<?> record : RECORDS) {
            MessageType.Code code = record.getAnnotation(MessageType.Code.class);
            if (code == null) {
                problems.add(record.getSimpleName() + " has no @Code");
            } else if (code.value() < 1 || code.value() > MessageType.MAX_CODE) {
                problems.add(record.getSimpleName() + " has code " + code.value() + ", outside 1.."
                    + MessageType.MAX_CODE);
            } else {
                String other = byCode.put(code.value(), record.getSimpleName());
                if (other != null) {
                    problems.add(record.getSimpleName() + " and " + other + " share code " + code.value());
                }
            }
        }
        assertThat(problems).as("codes of the message records").isEmpty();
        assertThat(MessageType.values()).hasSize(RECORDS.size());
        for (Class<?> record : RECORDS) {
            MessageType type = MessageType.of(record);
            assertThat(type.code()).isEqualTo(record.getAnnotation(MessageType.Code.class).value());
            assertThat(MessageType.fromCode(type.code())).isSameAs(type);
        }
        assertThat(MessageType.fromCode(0)).isNull();
        assertThat(MessageType.fromCode(-1)).isNull();
        assertThat(MessageType.fromCode(1L << 32 | 1)).isNull();
    }

    @TestFactory
    Stream<DynamicTest> everyRecordShouldRoundTripWithEveryFieldSet() {
        return RECORDS.stream().map(record -> DynamicTest.dynamicTest(record.getSimpleName(), () -> {
            Message message = (Message) new Samples().of(record, record);
            Message decoded = MessageCodec.decode(MessageCodec.encode(message));
            assertThat(decoded).isInstanceOf(record);
            assertSameValue(record.getSimpleName(), message, decoded);
        }));
    }

    @Test
    void docsShouldListEveryMessageAndNothingElse() throws IOException {
        List<String> rows = catalogRows(Files.readAllLines(docs()));
        Set<String> documented = new TreeSet<>();
        Set<String> twice = new TreeSet<>();
        for (String row : rows) {
            if (!documented.add(row)) {
                twice.add(row);
            }
        }
        Set<String> messages = new TreeSet<>();
        RECORDS.forEach(record -> messages.add(record.getSimpleName()));
        Set<String> missing = new TreeSet<>(messages);
        missing.removeAll(documented);
        Set<String> extra = new TreeSet<>(documented);
        extra.removeAll(messages);
        if (!missing.isEmpty() || !extra.isEmpty() || !twice.isEmpty()) {
            fail("docs/messages.md, table under '## Catalog': missing rows " + missing + ", rows of no message "
                + extra + ", rows listed twice " + twice);
        }
    }

    /** The first cells of the table under the heading "## Catalog", header row and separator excluded. */
    private static List<String> catalogRows(List<String> lines) {
        int at = lines.indexOf("## Catalog");
        assertThat(at).as("docs/messages.md has a '## Catalog' section").isNotNegative();
        List<String> names = new ArrayList<>();
        int row = 0;
        for (int i = at + 1; i < lines.size() && !lines.get(i).startsWith("#"); i++) {
            String line = lines.get(i).trim();
            if (line.startsWith("|")) {
                if (row++ >= 2) { // after the header and the |---| separator
                    names.add(line.substring(1, line.indexOf('|', 1)).trim());
                }
            } else if (row > 0) {
                break; // the table ended
            }
        }
        assertThat(names).as("rows of the catalog table").isNotEmpty();
        return names;
    }

    /** docs/messages.md, looked for from the working directory (the module's, under Maven) upwards. */
    private static Path docs() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("docs/messages.md");
            if (Files.isRegularFile(candidate)) {
                return candidate;
            }
        }
        throw new AssertionError("no docs/messages.md above " + Path.of("").toAbsolutePath());
    }

    /**
     * Values for any field a message may carry: never the type's default, and different in every field, so that a
     * field lost, left at its default or swapped with another on the way shows. An unknown field type fails: the
     * codec and this test learn it together.
     */
    private static final class Samples {
        private int next = 1;

        Object of(Class<?> type, Type generic) throws ReflectiveOperationException {
            int n = next++;
            if (type == long.class || type == Long.class) {
                return (n % 2 == 0 ? 1 : -1) * ((1L << 40) + n);
            } else if (type == int.class || type == Integer.class) {
                return (n % 2 == 0 ? 1 : -1) * (70_000 + n);
            } else if (type == boolean.class || type == Boolean.class) {
                return true;
            } else if (type == double.class || type == Double.class) {
                return n + 0.25;
            } else if (type == String.class) {
                return "s" + n + "-\u00e9\u4e2d";
            } else if (type == byte[].class) {
                return new byte[] {(byte) n, -1, 0, 127};
            } else if (type.isEnum()) {
                Object[] constants = type.getEnumConstants();
                return constants[constants.length - 1]; // not the first, which a zeroed field would decode to
            } else if (type.isRecord()) {
                RecordComponent[] components = type.getRecordComponents();
                Class<?>[] types = new Class<?>[components.length];
                Object[] values = new Object[components.length];
                for (int i = 0; i < components.length; i++) {
                    types[i] = components[i].getType();
                    values[i] = of(types[i], components[i].getGenericType());
                }
                return type.getDeclaredConstructor(types).newInstance(values);
            } else if (type == List.class) {
                Type element = argument(generic, 0);
                return List.of(of(raw(element), element), of(raw(element), element));
            } else if (type == Map.class) {
                Type value = argument(generic, 1);
                Map<String, Object> map = new LinkedHashMap<>();
                map.put("k" + n, of(raw(value), value));
                map.put("j" + n, of(raw(value), value));
                return map;
            }
            throw new AssertionError("no sample for a field of type " + generic.getTypeName()
                + ": teach this test (and check MessageCodec) about it");
        }

        private static Type argument(Type generic, int index) {
            return ((ParameterizedType) generic).getActualTypeArguments()[index];
        }

        private static Class<?> raw(Type type) {
            return type instanceof ParameterizedType p ? (Class<?>) p.getRawType() : (Class<?>) type;
        }
    }

    /** Deep equality that compares arrays by content, wherever they are nested; names the first difference. */
    private static void assertSameValue(String path, Object expected, Object actual)
        throws ReflectiveOperationException {
        if (expected == null || actual == null) {
            assertThat(actual).as(path).isEqualTo(expected);
        } else if (expected.getClass().isArray()) {
            assertThat(actual.getClass()).as(path).isEqualTo(expected.getClass());
            assertThat(Array.getLength(actual)).as(path + ".length").isEqualTo(Array.getLength(expected));
            for (int i = 0; i < Array.getLength(expected); i++) {
                assertSameValue(path + "[" + i + "]", Array.get(expected, i), Array.get(actual, i));
            }
        } else if (expected.getClass().isRecord()) {
            assertThat(actual.getClass()).as(path).isEqualTo(expected.getClass());
            for (RecordComponent component : expected.getClass().getRecordComponents()) {
                assertSameValue(path + "." + component.getName(), component.getAccessor().invoke(expected),
                    component.getAccessor().invoke(actual));
            }
        } else if (expected instanceof List<?> list) {
            assertThat(actual).as(path).isInstanceOf(List.class);
            assertThat((List<?>) actual).as(path + ".size").hasSameSizeAs(list);
            for (int i = 0; i < list.size(); i++) {
                assertSameValue(path + "[" + i + "]", list.get(i), ((List<?>) actual).get(i));
            }
        } else if (expected instanceof Map<?, ?> map) {
            assertThat(actual).as(path).isInstanceOf(Map.class);
            assertThat(((Map<?, ?>) actual).keySet()).as(path + " keys").isEqualTo(map.keySet());
            for (Map.Entry<?, ?> entry : map.entrySet()) {
                assertSameValue(path + "[" + entry.getKey() + "]", entry.getValue(),
                    ((Map<?, ?>) actual).get(entry.getKey()));
            }
        } else {
            assertThat(actual).as(path).isEqualTo(expected);
        }
    }
}
