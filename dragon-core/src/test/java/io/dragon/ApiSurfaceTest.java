package io.dragon;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.Executable;
import java.lang.reflect.Field;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.lang.reflect.WildcardType;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Package {@code io.dragon} is the user API and nothing else: no public signature in it names a type of the
 * runtime's internal packages ({@code io.dragon.core.*}, {@code io.dragon.internal}, ...), and every public member
 * has javadoc.
 */
class ApiSurfaceTest {
    private static final Path SOURCES = Path.of("src/main/java/io/dragon");
    /** A public or protected declaration at the indentation of a type or of a member of one (not a local). */
    private static final Pattern DECLARATION = Pattern.compile("^( {4}| {8})?(public|protected) .*");

    @Test
    void publicSignaturesNameOnlyApiAndJdkTypes() throws Exception {
        List<String> leaks = new ArrayList<>();
        for (Class<?> type : apiTypes()) {
            String where = type.getName();
            check(type.getGenericSuperclass(), where + " extends", leaks);
            for (Type implemented : type.getGenericInterfaces()) {
                check(implemented, where + " implements", leaks);
            }
            for (TypeVariable<?> variable : type.getTypeParameters()) {
                checkBounds(variable, where, leaks);
            }
            for (Field field : type.getDeclaredFields()) {
                if (visible(field.getModifiers())) {
                    check(field.getGenericType(), where + "." + field.getName(), leaks);
                }
            }
            for (Constructor<?> constructor : type.getDeclaredConstructors()) {
                checkExecutable(constructor, where + ".<init>", leaks);
            }
            for (Method method : type.getDeclaredMethods()) {
                if (!method.isSynthetic() && !method.isBridge()) {
                    checkExecutable(method, where + "." + method.getName(), leaks);
                    if (visible(method.getModifiers())) {
                        check(method.getGenericReturnType(), where + "." + method.getName() + " returns", leaks);
                    }
                }
            }
        }
        assertThat(leaks).as("internal types in the public signatures of io.dragon").isEmpty();
    }

    @Test
    void everyPublicDeclarationHasJavadoc() throws IOException {
        List<String> undocumented = new ArrayList<>();
        try (Stream<Path> files = Files.list(SOURCES)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).sorted().toList()) {
                List<String> lines = Files.readAllLines(file);
                for (int i = 0; i < lines.size(); i++) {
                    if (DECLARATION.matcher(lines.get(i)).matches() && !documented(lines, i)) {
                        undocumented.add(file.getFileName() + ":" + (i + 1) + ": " + lines.get(i).strip());
                    }
                }
            }
        }
        assertThat(undocumented).as("public declarations of io.dragon without javadoc").isEmpty();
    }

    /** Whether the lines above a declaration, past its annotations, end a javadoc comment or say it overrides. */
    private static boolean documented(List<String> lines, int declaration) {
        for (int i = declaration - 1; i >= 0; i--) {
            String line = lines.get(i).strip();
            if (line.equals("@Override") || line.endsWith("*/")) {
                return true;
            }
            if (!line.startsWith("@")) {
                return false;
            }
        }
        return false;
    }

    /** The public types of package io.dragon, nested ones included, from the compiled classes. */
    private static List<Class<?>> apiTypes() throws IOException, URISyntaxException, ClassNotFoundException {
        Path classes = Path.of(Lock.class.getProtectionDomain().getCodeSource().getLocation().toURI())
            .resolve("io/dragon");
        List<Class<?>> types = new ArrayList<>();
        try (Stream<Path> files = Files.list(classes)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".class")).toList()) {
                String name = file.getFileName().toString();
                Class<?> type = Class.forName("io.dragon." + name.substring(0, name.length() - ".class".length()),
                    false, ApiSurfaceTest.class.getClassLoader());
                if (exported(type)) {
                    types.add(type);
                }
            }
        }
        assertThat(types).as("API types found").contains(Lock.class, Queue.class, Pool.class);
        return types;
    }

    /** Public, and so are all the types that enclose it. */
    private static boolean exported(Class<?> type) {
        for (Class<?> t = type; t != null; t = t.getEnclosingClass()) {
            if (!Modifier.isPublic(t.getModifiers()) || t.isAnonymousClass() || t.isLocalClass()) {
                return false;
            }
        }
        return true;
    }

    private static boolean visible(int modifiers) {
        return Modifier.isPublic(modifiers) || Modifier.isProtected(modifiers);
    }

    private static void checkExecutable(Executable executable, String where, List<String> leaks) {
        if (!visible(executable.getModifiers())) {
            return;
        }
        for (Type parameter : executable.getGenericParameterTypes()) {
            check(parameter, where + " takes", leaks);
        }
        for (Type thrown : executable.getGenericExceptionTypes()) {
            check(thrown, where + " throws", leaks);
        }
        for (TypeVariable<?> variable : executable.getTypeParameters()) {
            checkBounds(variable, where, leaks);
        }
    }

    private static void check(Type type, String where, List<String> leaks) {
        check(type, where, leaks, new HashSet<>());
    }

    private static void check(Type type, String where, List<String> leaks, Set<Type> seen) {
        if (type == null || !seen.add(type)) {
            return;
        }
        if (type instanceof Class<?> c) {
            Class<?> element = c;
            while (element.isArray()) {
                element = element.getComponentType();
            }
            if (!element.isPrimitive() && !allowed(element.getPackageName())) {
                leaks.add(where + " " + element.getName());
            }
        } else if (type instanceof ParameterizedType p) {
            check(p.getRawType(), where, leaks, seen);
            for (Type argument : p.getActualTypeArguments()) {
                check(argument, where, leaks, seen);
            }
        } else if (type instanceof WildcardType w) {
            Stream.concat(Stream.of(w.getUpperBounds()), Stream.of(w.getLowerBounds()))
                .forEach(bound -> check(bound, where, leaks, seen));
        } else if (type instanceof GenericArrayType a) {
            check(a.getGenericComponentType(), where, leaks, seen);
        } else if (type instanceof TypeVariable<?> v) {
            for (Type bound : v.getBounds()) {
                check(bound, where, leaks, seen);
            }
        }
    }

    private static void checkBounds(TypeVariable<?> variable, String where, List<String> leaks) {
        check(variable, where + " <" + variable.getName() + ">", leaks);
    }

    private static boolean allowed(String pkg) {
        return pkg.equals("io.dragon") || pkg.startsWith("java.") || pkg.startsWith("javax.");
    }
}
