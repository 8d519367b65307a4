package io.dragon.core.infrastructure;

import static org.assertj.core.api.Assertions.assertThat;

import io.dragon.core.infrastructure.Settings.Property;
import io.dragon.core.infrastructure.Settings.Variable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * docs/settings.md and {@link Settings} list the same settings with the same defaults and units, and no code of
 * the runtime (main sources of every module, bin/) reads a setting of its own that Settings does not declare.
 */
class SettingsDocsTest {
    private static final String NONE = "—";
    private static final Pattern VARIABLE_NAME = Pattern.compile("\\bDRAGON_[A-Z0-9_]+");
    private static final Pattern PROPERTY_OPTION = Pattern.compile("-D(dragon\\.[a-z.]+)=");
    /** A read of a setting by its literal name, which only Settings may do. */
    private static final Pattern LITERAL_READ =
        Pattern.compile("(getProperty|getLong|getInteger|getBoolean|getenv)\\(\\s*\"(dragon\\.|DRAGON_)");

    @Test
    void propertiesTableShouldMatchSettings() {
        Map<String, List<String>> code = new LinkedHashMap<>();
        for (Property property : Property.values()) {
            code.put(property.key(), List.of(cell(property.defaultValue()), cell(property.unit()),
                property.inherited() ? "yes" : "no"));
        }
        assertThat(table("## System properties")).as("docs/settings.md, table of system properties: name ->"
            + " default, unit, passed on").containsExactlyInAnyOrderEntriesOf(code);
    }

    @Test
    void variablesTableShouldMatchSettings() {
        Map<String, List<String>> code = new LinkedHashMap<>();
        for (Variable variable : Variable.values()) {
            code.put(variable.name(), List.of(cell(variable.defaultValue()), cell(variable.unit()),
                variable.origin().toString()));
        }
        assertThat(table("## Environment variables")).as("docs/settings.md, table of environment variables: name"
            + " -> default, unit, set by").containsExactlyInAnyOrderEntriesOf(code);
    }

    @Test
    void runtimeShouldNameOnlyDeclaredSettings() throws IOException {
        Path root = root();
        TreeSet<String> variables = new TreeSet<>();
        TreeSet<String> options = new TreeSet<>();
        TreeSet<String> literalReads = new TreeSet<>();
        for (Path file : runtimeFiles(root)) {
            String text = Files.readString(file);
            collect(VARIABLE_NAME.matcher(text), 0, variables);
            collect(PROPERTY_OPTION.matcher(text), 1, options);
            if (!file.endsWith("Settings.java") && LITERAL_READ.matcher(text).find()) {
                literalReads.add(root.relativize(file).toString());
            }
        }
        variables.removeAll(Stream.of(Variable.values()).map(Variable::name).toList());
        options.removeAll(Stream.of(Property.values()).map(Property::key).toList());
        assertThat(variables).as("DRAGON_* variables named by the runtime but not in Settings.Variable").isEmpty();
        assertThat(options).as("-Ddragon.* options given by the runtime but not in Settings.Property").isEmpty();
        assertThat(literalReads).as("files that read a setting by name instead of through Settings").isEmpty();
    }

    /** A value as the docs write it: in backticks, or a dash for none. */
    private static String cell(String value) {
        return value.isEmpty() ? NONE : value;
    }

    /** First cell to the next three (backticks removed) of each row of the table under {@code heading}. */
    private static Map<String, List<String>> table(String heading) {
        List<String> lines = lines(root().resolve("docs/settings.md"));
        int at = lines.indexOf(heading);
        assertThat(at).as("docs/settings.md has a '" + heading + "' section").isNotNegative();
        Map<String, List<String>> rows = new LinkedHashMap<>();
        int row = 0;
        for (int i = at + 1; i < lines.size() && !lines.get(i).startsWith("#"); i++) {
            String line = lines.get(i).trim();
            if (line.startsWith("|")) {
                if (row++ >= 2) { // after the header and the |---| separator
                    List<String> cells = Stream.of(line.substring(1).split("\\|")).map(String::trim)
                        .map(cell -> cell.replace("`", "")).toList();
                    List<String> previous = rows.put(cells.get(0), cells.subList(1, 4));
                    assertThat(previous).as("rows of " + cells.get(0) + " in docs/settings.md").isNull();
                }
            } else if (row > 0) {
                break; // the table ended
            }
        }
        assertThat(rows).as("rows of the table under '" + heading + "'").isNotEmpty();
        return rows;
    }

    /** Main sources of every module, and bin/. */
    private static List<Path> runtimeFiles(Path root) throws IOException {
        List<Path> files = new ArrayList<>();
        try (Stream<Path> modules = Files.list(root)) {
            for (Path module : modules.toList()) {
                Path main = module.resolve("src/main/java");
                if (Files.isDirectory(main)) {
                    try (Stream<Path> walk = Files.walk(main)) {
                        walk.filter(path -> path.toString().endsWith(".java")).forEach(files::add);
                    }
                }
            }
        }
        try (Stream<Path> bin = Files.list(root.resolve("bin"))) {
            bin.forEach(files::add);
        }
        assertThat(files).as("main sources and bin/ of " + root).hasSizeGreaterThan(50);
        return files;
    }

    private static void collect(Matcher matcher, int group, TreeSet<String> into) {
        while (matcher.find()) {
            into.add(matcher.group(group));
        }
    }

    private static List<String> lines(Path file) {
        try {
            return Files.readAllLines(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The project's root: the first directory up from here with docs/settings.md. */
    private static Path root() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("docs/settings.md"))) {
                return dir;
            }
        }
        throw new AssertionError("no docs/settings.md above " + Path.of("").toAbsolutePath());
    }
}
