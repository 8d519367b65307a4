package io.dragon.core.serialization;

import io.dragon.core.infrastructure.Settings;
import java.io.IOException;
import java.io.InputStream;
import java.io.InvalidObjectException;
import java.io.ObjectInputFilter;
import java.io.ObjectInputStream;
import java.io.ObjectStreamClass;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The one place where the runtime reads Java serialization: remote calls in the transport agents, and in the
 * program's processes queue elements, call results, Pool tasks and functions, process targets and named handles.
 * Each {@link #read} checks every class and every limit of the data with an {@link ObjectInputFilter}, in this
 * order:
 * <ol>
 *   <li>limits: nesting depth ({@code maxdepth}), objects ({@code maxrefs}), array length ({@code maxarray}) and
 *       bytes ({@code maxbytes}); and an array may not be longer than the data that is left could fill, so a few
 *       forged bytes cannot make the reader allocate gigabytes;</li>
 *   <li>the user's patterns ({@code dragon --serial-filter}), first match decides;</li>
 *   <li>packages known to serve deserialization attacks ({@link #GADGETS}) are refused, wherever they come from;</li>
 *   <li>a JDK class (of the boot or platform class loader) is accepted only if the {@link Scope} lists it;</li>
 *   <li>any other class comes from the application's classpath: the program's own classes, which the user
 *       trusts, and the runtime's. A remote call accepts only the runtime's ({@code io.dragon.}).</li>
 * </ol>
 * A dynamic proxy is judged by its interfaces, and {@code java.lang.reflect.Proxy} is not on any list, so proxies
 * are refused unless the user allows it.
 *
 * <p>The setting ({@value #VARIABLE}, from {@code dragon --serial-filter}) uses the syntax of {@code jdk.serialFilter}:
 * entries separated by {@code ;}, each a limit ({@code maxdepth=N}, {@code maxrefs=N}, {@code maxarray=N},
 * {@code maxbytes=N}, replacing the default) or a class pattern ({@code com.example.Point}, {@code com.example.*},
 * {@code com.example.**}, {@code !com.example.Secret} to refuse).
 */
public final class SerialFilter {
    /** The environment variable with the setting, which every process of the runtime gets. */
    public static final String VARIABLE = Settings.Variable.DRAGON_SERIAL_FILTER.name();

    /** Nesting: a lambda holding a record holding collections of collections is ~10 deep. */
    public static final long DEFAULT_MAX_DEPTH = 100;
    /** Objects (back-references included): a List of 10 million Integers is 10 million. */
    public static final long DEFAULT_MAX_REFS = 100_000_000;
    /** Array length: a byte[] as large as the largest message a channel carries. */
    public static final long DEFAULT_MAX_ARRAY = 1 << 30;
    /** Bytes: the largest message a channel carries. */
    public static final long DEFAULT_MAX_BYTES = 1 << 30;

    /**
     * Packages (and classes) known to serve deserialization attacks (the JDK's RMI, JMX, JNDI and internals, the
     * libraries of the ysoserial payloads), refused even from the classpath unless the user allows them by name.
     */
    static final List<String> GADGETS = List.of("java.rmi.", "javax.management.", "java.beans.", "javax.naming.",
        "javax.script.", "javax.swing.", "java.net.URL", "java.security.SignedObject", "sun.", "com.sun.", "jdk.",
        "org.apache.commons.collections.", "org.apache.commons.collections4.", "org.apache.commons.beanutils.",
        "org.apache.commons.fileupload.", "org.apache.xalan.", "org.codehaus.groovy.runtime.",
        "org.springframework.core.SerializableTypeWrapper", "org.springframework.aop.",
        "org.springframework.beans.factory.", "org.springframework.transaction.jta.", "com.mchange.v2.c3p0.",
        "org.hibernate.engine.", "org.hibernate.tuple.", "org.hibernate.property.", "bsh.", "clojure.",
        "org.python.core.", "org.mozilla.javascript.", "javassist.", "org.jboss.interceptor.", "org.jboss.weld.",
        "net.sf.json.", "com.vaadin.data.", "org.apache.wicket.util.upload.", "org.apache.click.",
        "org.apache.myfaces.", "com.rometools.rome.feed.impl.", "com.alibaba.fastjson.");

    /**
     * Elements an array may declare per byte of data left (bytes, for an array of primitives, which the data must
     * hold): a hash table's capacity can be several times its entries, each of which takes a byte or more.
     */
    private static final long ARRAY_SLACK = 8;
    /** Bytes ObjectInputStream may have read ahead of the position it reports (one block of block data). */
    private static final long READ_AHEAD = 1024;

    /** What the data is, which decides the JDK classes it may hold. */
    public enum Scope {
        /**
         * A remote call (a method of a shared object, run by the transport agent of the object's node): the
         * runtime's classes, {@code java.lang} (boxed primitives, String) and lambdas.
         */
        CALL("java.lang (boxed primitives, String) and java.lang.invoke.SerializedLambda"),
        /**
         * What a program's processes exchange: besides the program's classes, {@code java.lang}, lambdas,
         * {@code java.util} (collections, concurrent, atomic), {@code java.time}, {@code java.math}, {@code java.io}
         * (File, exceptions) and {@code java.net.URI}.
         */
        PROGRAM("java.lang, java.lang.invoke.SerializedLambda, java.util, java.time, java.math, java.io,"
            + " java.net.URI");

        private final String jdkClasses;

        Scope(String jdkClasses) {
            this.jdkClasses = jdkClasses;
        }

        private boolean accepts(Class<?> jdkClass) {
            String name = jdkClass.getName();
            String pkg = jdkClass.getPackageName();
            if (pkg.equals("java.lang") || name.equals("java.lang.invoke.SerializedLambda")) {
                return true;
            }
            return this == PROGRAM && (pkg.equals("java.util") || pkg.startsWith("java.util.")
                || pkg.equals("java.time") || pkg.startsWith("java.time.") || pkg.equals("java.math")
                || pkg.equals("java.io") || name.equals("java.net.URI"));
        }
    }

    private static volatile SerialFilter[] configured;

    private final Scope scope;
    private final long maxDepth;
    private final long maxRefs;
    private final long maxArray;
    private final long maxBytes;
    /** The user's class patterns, or null. */
    private final ObjectInputFilter patterns;
    /** Why a class is refused, or null if it is accepted; computed once per class. */
    private final ClassValue<String> refusals = new ClassValue<>() {
        @Override
        protected String computeValue(Class<?> type) {
            return refusal(type);
        }
    };

    private SerialFilter(Scope scope, long maxDepth, long maxRefs, long maxArray, long maxBytes,
                         ObjectInputFilter patterns) {
        this.scope = scope;
        this.maxDepth = maxDepth;
        this.maxRefs = maxRefs;
        this.maxArray = maxArray;
        this.maxBytes = maxBytes;
        this.patterns = patterns;
    }

    /**
     * The filter of {@code scope} with {@code setting} (null or empty: the defaults).
     *
     * @throws IllegalArgumentException naming what is wrong with the setting
     */
    public static SerialFilter of(Scope scope, String setting) {
        long[] limits = {DEFAULT_MAX_DEPTH, DEFAULT_MAX_REFS, DEFAULT_MAX_ARRAY, DEFAULT_MAX_BYTES};
        List<String> names = List.of("maxdepth", "maxrefs", "maxarray", "maxbytes");
        List<String> classPatterns = new ArrayList<>();
        for (String entry : setting == null ? new String[0] : setting.split(";")) {
            entry = entry.trim();
            int equals = entry.indexOf('=');
            if (entry.isEmpty()) {
                continue;
            }
            if (equals < 0) {
                classPatterns.add(entry);
                continue;
            }
            int limit = names.indexOf(entry.substring(0, equals).trim().toLowerCase(Locale.ROOT));
            if (limit < 0) {
                throw new IllegalArgumentException("unknown limit '" + entry + "' (the limits are maxdepth, maxrefs,"
                    + " maxarray and maxbytes)");
            }
            try {
                limits[limit] = Long.parseLong(entry.substring(equals + 1).trim());
            } catch (NumberFormatException e) {
                limits[limit] = -1;
            }
            if (limits[limit] < 0) {
                throw new IllegalArgumentException("'" + entry + "': a limit is a number of 0 or more");
            }
        }
        ObjectInputFilter patterns = null;
        if (!classPatterns.isEmpty()) {
            try {
                patterns = ObjectInputFilter.Config.createFilter(String.join(";", classPatterns));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("'" + String.join(";", classPatterns) + "' is not a class pattern"
                    + " of jdk.serialFilter's syntax (com.example.Point, com.example.*, com.example.**, !...): "
                    + e.getMessage(), e);
            }
        }
        return new SerialFilter(scope, limits[0], limits[1], limits[2], limits[3], patterns);
    }

    /**
     * The filter of {@code scope} for this process, with the setting of its environment ({@value #VARIABLE}).
     *
     * @throws IllegalStateException if the setting is invalid (dragon checks it before it starts anything)
     */
    public static SerialFilter configured(Scope scope) {
        SerialFilter[] filters = configured;
        if (filters == null) {
            String setting = System.getenv(VARIABLE);
            filters = new SerialFilter[Scope.values().length];
            try {
                for (Scope each : Scope.values()) {
                    filters[each.ordinal()] = of(each, setting);
                }
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException(VARIABLE + " (dragon --serial-filter) is invalid: " + e.getMessage(),
                    e);
            }
            configured = filters;
        }
        return filters[scope.ordinal()];
    }

    /**
     * Reads one object from {@code in}, which holds {@code length} bytes of Java serialization, resolving classes
     * with this thread's context class loader (the program's classpath).
     *
     * @throws Refused if a class or a limit of the data is refused; the message says which, and how to allow it
     */
    public Object read(InputStream in, long length) throws IOException, ClassNotFoundException {
        if (length > maxBytes) {
            throw new Refused(limit("the data is " + length + " bytes, more than maxbytes=" + maxBytes,
                "maxbytes=" + length));
        }
        Check check = new Check(length);
        Object value;
        try (ObjectInputStream stream = new ContextObjectInputStream(in)) {
            stream.setObjectInputFilter(check);
            value = stream.readObject();
        } catch (IOException | ClassNotFoundException | RuntimeException e) {
            if (check.refusal != null) { // what a refusal made the stream (or a readObject method) throw
                throw (Refused) new Refused(check.refusal).initCause(e);
            }
            throw e;
        }
        if (check.refusal != null) {
            // a readObject method caught the refusal and went on: the object is not what was sent
            throw new Refused(check.refusal);
        }
        return value;
    }

    /** Why the data is refused: which class or limit, and how to allow it. */
    public static final class Refused extends InvalidObjectException {
        private static final long serialVersionUID = 1L;

        Refused(String why) {
            super(why);
        }

        /** The message alone: it says what this is. */
        @Override
        public String toString() {
            return getMessage();
        }
    }

    /** The checks of one stream, which knows its length; keeps the first refusal, for {@link #read}'s message. */
    private final class Check implements ObjectInputFilter {
        private final long length;
        private String refusal;

        Check(long length) {
            this.length = length;
        }

        @Override
        public Status checkInput(FilterInfo info) {
            String why = limitExceeded(info);
            if (why == null && info.serialClass() != null) {
                why = refusals.get(info.serialClass());
            }
            if (why != null) {
                if (refusal == null) {
                    refusal = why;
                }
                return Status.REJECTED;
            }
            return info.serialClass() == null ? Status.UNDECIDED : Status.ALLOWED;
        }

        private String limitExceeded(FilterInfo info) {
            if (info.depth() > maxDepth) {
                return limit("objects nest " + info.depth() + " deep, more than maxdepth=" + maxDepth,
                    "maxdepth=" + Math.max(2 * maxDepth, 1));
            }
            if (info.references() > maxRefs) {
                return limit("the data holds more than maxrefs=" + maxRefs + " objects",
                    "maxrefs=" + Math.max(2 * maxRefs, 1));
            }
            long elements = info.arrayLength();
            if (elements < 0) {
                return null;
            }
            if (elements > maxArray) {
                return limit("an array of " + elements + " elements, more than maxarray=" + maxArray,
                    "maxarray=" + elements);
            }
            Class<?> component = info.serialClass() == null ? null : info.serialClass().getComponentType();
            long bytes = component != null && component.isPrimitive() ? elements * primitiveSize(component)
                : elements;
            long left = Math.max(0, length - info.streamBytes());
            if (bytes > ARRAY_SLACK * (left + READ_AHEAD)) {
                return "the deserialization filter refused the data: an array of " + elements + " elements with only "
                    + left + " bytes of data left to fill it (the data is corrupt or forged)";
            }
            return null;
        }
    }

    /** Why {@code type} is refused, or null; see the class comment for the order. */
    private String refusal(Class<?> type) {
        Class<?> element = type;
        while (element.isArray()) {
            element = element.getComponentType();
        }
        if (element.isPrimitive()) {
            return null;
        }
        String name = element.getName();
        ObjectInputFilter.Status asked = patterns == null ? ObjectInputFilter.Status.UNDECIDED
            : patterns.checkInput(new ClassInfo(element));
        if (asked == ObjectInputFilter.Status.ALLOWED) {
            return null;
        }
        if (asked == ObjectInputFilter.Status.REJECTED) {
            return "class " + name + " is refused by the deserialization filter: --serial-filter refuses it";
        }
        if (Proxy.isProxyClass(element)) {
            for (Class<?> face : element.getInterfaces()) {
                String why = refusals.get(face);
                if (why != null) {
                    return "a proxy of " + face.getName() + ": " + why;
                }
            }
            return null;
        }
        for (String gadget : GADGETS) {
            if (name.startsWith(gadget)) {
                return refused(name, "it is known to serve deserialization attacks");
            }
        }
        ClassLoader loader = element.getClassLoader();
        if (loader == null || loader == ClassLoader.getPlatformClassLoader()) {
            return scope.accepts(element) ? null : refused(name, "of the JDK's classes, "
                + (scope == Scope.CALL ? "a remote call may hold only " : "only these are accepted: ")
                + scope.jdkClasses);
        }
        if (scope == Scope.CALL && !name.startsWith("io.dragon.")) {
            return refused(name, "a remote call holds only the runtime's classes, io.dragon.*");
        }
        return null;
    }

    private static String refused(String className, String why) {
        return "class " + className + " is refused by the deserialization filter: " + why
            + "; if the program needs it, run dragon --serial-filter '" + className + "'";
    }

    private static String limit(String what, String raised) {
        return "the deserialization filter refused the data: " + what + "; if the program needs it, run dragon"
            + " --serial-filter '" + raised + "'";
    }

    private static long primitiveSize(Class<?> type) {
        if (type == long.class || type == double.class) {
            return 8;
        }
        if (type == int.class || type == float.class) {
            return 4;
        }
        return type == short.class || type == char.class ? 2 : 1;
    }

    /** What the user's patterns look at: a class, with no limit to check. */
    private record ClassInfo(Class<?> serialClass) implements ObjectInputFilter.FilterInfo {
        @Override
        public long arrayLength() {
            return -1;
        }

        @Override
        public long depth() {
            return 1;
        }

        @Override
        public long references() {
            return 0;
        }

        @Override
        public long streamBytes() {
            return 0;
        }
    }

    /** Resolves classes with the thread's context class loader, as an application server would. */
    private static final class ContextObjectInputStream extends ObjectInputStream {
        ContextObjectInputStream(InputStream in) throws IOException {
            super(in);
        }

        @Override
        protected Class<?> resolveClass(ObjectStreamClass desc) throws IOException, ClassNotFoundException {
            ClassLoader loader = Thread.currentThread().getContextClassLoader();
            if (loader == null) {
                return super.resolveClass(desc);
            }
            try {
                return Class.forName(desc.getName(), false, loader);
            } catch (ClassNotFoundException e) {
                return super.resolveClass(desc);
            }
        }
    }
}
