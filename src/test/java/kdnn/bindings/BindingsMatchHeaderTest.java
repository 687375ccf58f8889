package kdnn.bindings;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.lang.foreign.AddressLayout;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.GroupLayout;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Checks the hand-written, jextract-form bindings in {@code bindings/kdnn/bindings} against the C
 * headers they claim to bind: the oneDNN headers inside the {@code org.bytedeco:dnnl} jar on the
 * test class path, and gcc's {@code omp.h}.
 *
 * <ul>
 *   <li>every function bound in {@code dnnl_h} / {@code omp_h} is declared in the header with the
 *       same number of parameters, and each parameter's and the return's carrier (void, int, long,
 *       float, double, pointer) agrees with its {@code $descriptor()} and with the Java wrapper's
 *       signature;</li>
 *   <li>every constant getter of {@code dnnl_h} returns what a C program compiled by gcc against
 *       the same headers prints, and has the C constant's size and kind;</li>
 *   <li>{@code dnnl_exec_arg_t} and {@code dnnl_version_t} have the C size, alignment, field names,
 *       field offsets, field sizes and field kinds;</li>
 *   <li>{@code bindings/includes.txt} and {@code bindings/omp-includes.txt} (jextract's argfiles)
 *       name exactly what the binding classes hold.</li>
 * </ul>
 *
 * <p>C types are classified from the headers themselves: enum typedefs from
 * {@code typedef enum {...} name;}, handle typedefs from {@code typedef [const] struct X *name;},
 * array typedefs ({@code dnnl_dims_t}) and plain aliases ({@code typedef int64_t dnnl_dim_t;}).
 * A type the test cannot classify fails it.
 */
class BindingsMatchHeaderTest {

    static final String INCLUDE_DIR = "org/bytedeco/dnnl/linux-x86_64/include/";
    static final String MAIN_HEADER = "oneapi/dnnl/dnnl.h";

    /** The carrier classes a C type can have in a jextract binding. */
    enum Kind {
        VOID(void.class), BOOL(boolean.class), BYTE(byte.class), SHORT(short.class), INT(int.class),
        LONG(long.class), FLOAT(float.class), DOUBLE(double.class), POINTER(MemorySegment.class);

        final Class<?> carrier;

        Kind(Class<?> carrier) {
            this.carrier = carrier;
        }

        static Kind of(MemoryLayout layout) {
            if (layout instanceof AddressLayout) {
                return POINTER;
            }
            if (layout instanceof ValueLayout v) {
                for (Kind k : values()) {
                    if (k.carrier == v.carrier()) {
                        return k;
                    }
                }
            }
            throw new AssertionError("not a value layout: " + layout);
        }
    }

    /** A C prototype as read from a header. */
    record Prototype(String name, String file, String returnType, List<String> params, boolean variadic) {
    }

    /** Parsed headers: prototypes are looked up on demand, typedefs are collected up front. */
    static final class Headers {
        final Map<String, String> text = new LinkedHashMap<>(); // file -> comment/preprocessor-free text
        final Set<String> enumTypedefs = new HashSet<>();
        final Set<String> pointerTypedefs = new HashSet<>();
        final Set<String> arrayTypedefs = new HashSet<>();
        final Map<String, String> aliasTypedefs = new HashMap<>();
        final Map<String, String> structBodies = new HashMap<>();

        private static final Pattern ENUM_TYPEDEF = Pattern.compile("\\btypedef\\s+enum\\s*\\w*\\s*\\{[^}]*\\}\\s*(\\w+)\\s*;");
        private static final Pattern HANDLE_TYPEDEF = Pattern.compile("\\btypedef\\s+(?:const\\s+)?struct\\s+\\w+\\s*\\*\\s*(\\w+)\\s*;");
        private static final Pattern ARRAY_TYPEDEF = Pattern.compile("\\btypedef\\s+\\w+\\s+(\\w+)\\s*\\[[^\\]]*\\]\\s*;");
        private static final Pattern ALIAS_TYPEDEF = Pattern.compile("\\btypedef\\s+((?:\\w+\\s+)*?\\w+)\\s+(\\w+)\\s*;");
        private static final Pattern STRUCT_TYPEDEF = Pattern.compile("\\btypedef\\s+struct\\s*\\w*\\s*\\{([^}]*)\\}\\s*(\\w+)\\s*;");

        void add(String file, String cleanText) {
            text.put(file, cleanText);
            collect(ENUM_TYPEDEF, cleanText, m -> enumTypedefs.add(m.group(1)));
            collect(HANDLE_TYPEDEF, cleanText, m -> pointerTypedefs.add(m.group(1)));
            collect(ARRAY_TYPEDEF, cleanText, m -> arrayTypedefs.add(m.group(1)));
            collect(ALIAS_TYPEDEF, cleanText, m -> {
                if (!m.group(1).matches("(?:.*\\s)?(?:struct|enum|union)(?:\\s.*)?")) {
                    aliasTypedefs.put(m.group(2), m.group(1));
                }
            });
            collect(STRUCT_TYPEDEF, cleanText, m -> structBodies.put(m.group(2), m.group(1)));
        }

        private static void collect(Pattern p, String s, java.util.function.Consumer<Matcher> action) {
            Matcher m = p.matcher(s);
            while (m.find()) {
                action.accept(m);
            }
        }

        /** The declaration of function {@code name}, searched in every parsed file. */
        Optional<Prototype> prototype(String name) {
            Pattern p = Pattern.compile("\\b" + Pattern.quote(name) + "\\s*\\(");
            for (Map.Entry<String, String> e : text.entrySet()) {
                String s = e.getValue();
                Matcher m = p.matcher(s);
                while (m.find()) {
                    int start = m.start();
                    int boundary = Math.max(s.lastIndexOf(';', start), Math.max(s.lastIndexOf('{', start), s.lastIndexOf('}', start)));
                    String ret = s.substring(boundary + 1, start).replaceAll("\\b(?:DNNL_API|extern)\\b", " ")
                            .trim().replaceAll("\\s+", " ");
                    if (ret.isEmpty()) {
                        continue; // a call or a macro use, not a declaration
                    }
                    int open = m.end() - 1;
                    int close = matchingParen(s, open);
                    if (close < 0) {
                        continue;
                    }
                    int semi = s.indexOf(';', close);
                    int brace = s.indexOf('{', close);
                    if (semi < 0 || (brace >= 0 && brace < semi)) {
                        continue; // a definition
                    }
                    List<String> params = splitTopLevel(s.substring(open + 1, close));
                    boolean variadic = params.stream().anyMatch(x -> x.equals("..."));
                    params.removeIf(x -> x.equals("..."));
                    if (params.size() == 1 && params.get(0).equals("void")) {
                        params = List.of();
                    }
                    return Optional.of(new Prototype(name, e.getKey(), ret, params, variadic));
                }
            }
            return Optional.empty();
        }

        private static int matchingParen(String s, int open) {
            int depth = 0;
            for (int i = open; i < s.length(); i++) {
                char c = s.charAt(i);
                if (c == '(') {
                    depth++;
                } else if (c == ')' && --depth == 0) {
                    return i;
                }
            }
            return -1;
        }

        private static List<String> splitTopLevel(String params) {
            List<String> out = new ArrayList<>();
            int depth = 0;
            StringBuilder cur = new StringBuilder();
            for (char c : params.toCharArray()) {
                if (c == '(' || c == '[') {
                    depth++;
                } else if (c == ')' || c == ']') {
                    depth--;
                }
                if (c == ',' && depth == 0) {
                    out.add(cur.toString().trim().replaceAll("\\s+", " "));
                    cur.setLength(0);
                } else {
                    cur.append(c);
                }
            }
            String last = cur.toString().trim().replaceAll("\\s+", " ");
            if (!last.isEmpty() || !out.isEmpty()) {
                out.add(last);
            }
            return out;
        }

        private static final Set<String> QUALIFIERS = Set.of("const", "volatile", "restrict", "extern", "static",
                "inline", "DNNL_API", "register");
        private static final Set<String> BUILTIN_WORDS = Set.of("void", "char", "short", "int", "long", "float",
                "double", "signed", "unsigned", "_Bool");

        /**
         * The carrier of a C declaration. {@code named}: the declaration may end with a name to drop
         * (parameters, fields); {@code param}: arrays decay to pointers.
         */
        Kind classify(String decl, boolean named, boolean param, String where) {
            if (decl.contains("*")) {
                return Kind.POINTER;
            }
            if (decl.contains("[")) {
                if (param) {
                    return Kind.POINTER;
                }
                throw new AssertionError(where + ": array type '" + decl + "' is not supported by this test");
            }
            if (decl.contains("(")) {
                throw new AssertionError(where + ": cannot classify C type '" + decl + "'");
            }
            List<String> tokens = new ArrayList<>(Arrays.asList(decl.trim().split("\\s+")));
            tokens.removeIf(t -> t.isEmpty() || QUALIFIERS.contains(t) || t.startsWith("__"));
            if (named && tokens.size() >= 2 && !BUILTIN_WORDS.contains(tokens.get(tokens.size() - 1))) {
                tokens.remove(tokens.size() - 1);
            }
            return resolve(String.join(" ", tokens), param, where, decl, 0);
        }

        private Kind resolve(String type, boolean param, String where, String decl, int depth) {
            Kind builtin = switch (type) {
                case "void" -> Kind.VOID;
                case "_Bool", "bool" -> Kind.BOOL;
                case "char", "signed char", "unsigned char", "int8_t", "uint8_t" -> Kind.BYTE;
                case "short", "short int", "signed short", "unsigned short", "unsigned short int", "int16_t", "uint16_t" -> Kind.SHORT;
                case "int", "signed", "signed int", "unsigned", "unsigned int", "int32_t", "uint32_t" -> Kind.INT;
                case "long", "long int", "signed long", "unsigned long", "unsigned long int", "long long", "long long int",
                        "unsigned long long", "unsigned long long int", "int64_t", "uint64_t", "size_t", "ssize_t",
                        "ptrdiff_t", "intptr_t", "uintptr_t" -> Kind.LONG; // LP64
                case "float" -> Kind.FLOAT;
                case "double" -> Kind.DOUBLE;
                default -> null;
            };
            if (builtin != null) {
                return builtin;
            }
            if (enumTypedefs.contains(type)) {
                return Kind.INT;
            }
            if (pointerTypedefs.contains(type)) {
                return Kind.POINTER;
            }
            if (arrayTypedefs.contains(type)) {
                if (param) {
                    return Kind.POINTER;
                }
                throw new AssertionError(where + ": array typedef '" + type + "' is not supported outside parameters");
            }
            String alias = aliasTypedefs.get(type);
            if (alias != null && depth < 16) {
                return resolve(alias.trim().replaceAll("\\s+", " "), param, where, decl, depth + 1);
            }
            throw new AssertionError(where + ": unknown C type '" + type + "' (in '" + decl + "')");
        }
    }

    static Path includeRoot;      // the dnnl include folder, inside the jar's file system
    static FileSystem jarFs;      // opened by this test, closed after it
    static Headers dnnlHeaders;
    static Path tempDir;
    static Map<String, String[]> gccConstants; // name -> {class, size, value}
    static Map<String, long[]> gccStructs;     // "struct" -> {size, align}; "struct.field" -> {offset, size}

    @BeforeAll
    static void readHeaders() throws IOException, URISyntaxException {
        URL url = BindingsMatchHeaderTest.class.getClassLoader().getResource(INCLUDE_DIR + MAIN_HEADER);
        assertTrue(url != null, "resource " + INCLUDE_DIR + MAIN_HEADER + " is not on the test class path:"
                + " the org.bytedeco:dnnl linux-x86_64 jar is missing");
        URI uri = url.toURI();
        if (uri.getScheme().equals("jar")) {
            try {
                jarFs = FileSystems.newFileSystem(uri, Map.of());
            } catch (FileSystemAlreadyExistsException e) {
                // another test opened it: use that one and leave it open
            }
        }
        Path mainHeader = Path.of(uri);
        includeRoot = mainHeader.getParent().getParent().getParent();
        dnnlHeaders = new Headers();
        // follow the quoted includes from dnnl.h, as the C compiler (and jextract) would
        Deque<String> todo = new ArrayDeque<>(List.of(MAIN_HEADER));
        Set<String> seen = new HashSet<>();
        Pattern include = Pattern.compile("(?m)^\\s*#\\s*include\\s+\"([^\"]+)\"");
        while (!todo.isEmpty()) {
            String name = todo.pop();
            if (!seen.add(name)) {
                continue;
            }
            Path file = includeRoot.resolve(name);
            assertTrue(Files.isRegularFile(file), "header " + name + " (included from the dnnl headers) is not in " + uri);
            String raw = Files.readString(file, StandardCharsets.UTF_8);
            String noComments = stripComments(raw);
            Matcher m = include.matcher(noComments);
            while (m.find()) {
                todo.add(m.group(1));
            }
            dnnlHeaders.add(name, stripPreprocessor(noComments));
        }
    }

    @AfterAll
    static void cleanUp() throws IOException {
        if (jarFs != null) {
            jarFs.close();
        }
        if (tempDir != null) {
            try (Stream<Path> s = Files.walk(tempDir)) {
                for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    static String stripComments(String s) {
        // block comments become a space so that tokens stay apart; strings in these headers hold no comment markers
        return s.replaceAll("(?s)/\\*.*?\\*/", " ").replaceAll("//[^\\n]*", "");
    }

    static String stripPreprocessor(String s) {
        String joined = s.replaceAll("\\\\\\r?\\n", " ");
        return Arrays.stream(joined.split("\\r?\\n"))
                .map(line -> line.stripLeading().startsWith("#") ? "" : line)
                .collect(Collectors.joining("\n"));
    }

    // ---------------------------------------------------------------- reflection over the bindings

    /** Function names bound in {@code holder}: every public static {@code NAME$descriptor()}. */
    static Set<String> boundFunctions(Class<?> holder) {
        Set<String> names = new TreeSet<>();
        for (Method m : holder.getDeclaredMethods()) {
            if (isPublicStatic(m) && m.getParameterCount() == 0 && m.getName().endsWith("$descriptor")
                    && m.getReturnType() == FunctionDescriptor.class) {
                names.add(m.getName().substring(0, m.getName().length() - "$descriptor".length()));
            }
        }
        return names;
    }

    /** Constant getters of {@code holder}: public static no-arg methods that are no part of a function binding. */
    static Map<String, Method> constants(Class<?> holder) {
        Set<String> functions = boundFunctions(holder);
        Map<String, Method> out = new TreeMap<>();
        for (Method m : holder.getDeclaredMethods()) {
            if (!isPublicStatic(m) || m.getParameterCount() != 0 || m.getName().contains("$")
                    || functions.contains(m.getName())) {
                continue;
            }
            out.put(m.getName(), m);
        }
        return out;
    }

    static boolean isPublicStatic(Method m) {
        return Modifier.isPublic(m.getModifiers()) && Modifier.isStatic(m.getModifiers());
    }

    static Object invokeStatic(Method m) {
        try {
            return m.invoke(null);
        } catch (IllegalAccessException e) {
            throw new AssertionError(e);
        } catch (InvocationTargetException e) {
            throw new AssertionError(m.getName() + " threw " + e.getCause(), e.getCause());
        }
    }

    static FunctionDescriptor descriptor(Class<?> holder, String function) {
        try {
            return (FunctionDescriptor) invokeStatic(holder.getMethod(function + "$descriptor"));
        } catch (NoSuchMethodException e) {
            throw new AssertionError(e);
        }
    }

    // ---------------------------------------------------------------- functions

    /** Compares one bound function with its C prototype; adds what differs to {@code problems}. */
    static void checkFunction(Class<?> holder, String name, Headers headers, List<String> problems) {
        String where = holder.getSimpleName() + "." + name;
        Optional<Prototype> found = headers.prototype(name);
        if (found.isEmpty()) {
            problems.add(where + ": no prototype for " + name + " in " + headers.text.keySet());
            return;
        }
        Prototype proto = found.get();
        FunctionDescriptor desc = descriptor(holder, name);
        if (proto.variadic()) {
            problems.add(where + ": " + name + " is variadic in " + proto.file() + "; this test does not handle that");
            return;
        }
        List<MemoryLayout> args = desc.argumentLayouts();
        if (args.size() != proto.params().size()) {
            problems.add(where + ": descriptor has " + args.size() + " parameters, " + proto.file() + " declares "
                    + proto.params().size() + " " + proto.params());
            return;
        }
        Kind cRet;
        try {
            cRet = headers.classify(proto.returnType(), false, false, where + " return");
        } catch (AssertionError e) {
            problems.add(e.getMessage());
            return;
        }
        Kind jRet = desc.returnLayout().map(Kind::of).orElse(Kind.VOID);
        if (cRet != jRet) {
            problems.add(where + ": return is " + jRet + " in the descriptor, but C returns '" + proto.returnType()
                    + "' (" + cRet + ")");
        }
        List<Class<?>> javaParams = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            String param = proto.params().get(i);
            Kind cKind;
            try {
                cKind = headers.classify(param, true, true, where + " parameter " + i);
            } catch (AssertionError e) {
                problems.add(e.getMessage());
                continue;
            }
            Kind jKind = Kind.of(args.get(i));
            if (cKind != jKind) {
                problems.add(where + ": parameter " + i + " is " + jKind + " in the descriptor, but C declares '"
                        + param + "' (" + cKind + ")");
            }
            javaParams.add(jKind.carrier);
        }
        // the wrapper method must agree with its descriptor, or invokeExact fails at run time
        Method wrapper = Arrays.stream(holder.getDeclaredMethods())
                .filter(m -> m.getName().equals(name) && isPublicStatic(m) && m.getParameterCount() == args.size())
                .findFirst().orElse(null);
        if (wrapper == null) {
            problems.add(where + ": no public static wrapper " + name + " with " + args.size() + " parameters");
        } else {
            if (!Arrays.asList(wrapper.getParameterTypes()).equals(desc.toMethodType().parameterList())) {
                problems.add(where + ": wrapper parameters " + Arrays.toString(wrapper.getParameterTypes())
                        + " differ from the descriptor's " + desc.toMethodType().parameterList());
            }
            if (wrapper.getReturnType() != desc.toMethodType().returnType()) {
                problems.add(where + ": wrapper returns " + wrapper.getReturnType() + ", the descriptor "
                        + desc.toMethodType().returnType());
            }
        }
    }

    @Test
    void dnnlFunctionsMatchPrototypes() {
        Set<String> functions = boundFunctions(dnnl_h.class);
        assertTrue(functions.size() > 10, "too few functions found in dnnl_h: " + functions);
        List<String> problems = new ArrayList<>();
        for (String f : functions) {
            checkFunction(dnnl_h.class, f, dnnlHeaders, problems);
        }
        assertTrue(problems.isEmpty(), problems.size() + " dnnl_h function binding(s) disagree with the headers:\n  "
                + String.join("\n  ", problems));
    }

    @Test
    void ompFunctionsMatchOmpH() throws IOException {
        String printed = runOrFail(List.of("gcc", "-print-file-name=include/omp.h"), null).trim();
        Path ompH = Path.of(printed);
        assertTrue(ompH.isAbsolute() && Files.isRegularFile(ompH),
                "gcc does not know an omp.h (gcc -print-file-name=include/omp.h printed '" + printed + "')");
        Headers omp = new Headers();
        omp.add(ompH.toString(), stripPreprocessor(stripComments(Files.readString(ompH))));
        Set<String> functions = boundFunctions(omp_h.class);
        assertEquals(Set.of("omp_set_num_threads", "omp_get_max_threads"), functions, "functions bound in omp_h");
        List<String> problems = new ArrayList<>();
        for (String f : functions) {
            checkFunction(omp_h.class, f, omp, problems);
        }
        assertTrue(problems.isEmpty(), "omp_h disagrees with " + ompH + ":\n  " + String.join("\n  ", problems));
    }

    @Test
    void prototypeParserClassifiesTypes() {
        // guards the parser itself: a parser that classified everything alike would let wrong bindings through
        Headers h = dnnlHeaders;
        assertEquals(Kind.INT, h.classify("dnnl_status_t", false, false, "t"));
        assertEquals(Kind.INT, h.classify("dnnl_data_type_t data_type", true, true, "t"));
        assertEquals(Kind.LONG, h.classify("size_t", false, false, "t"));
        assertEquals(Kind.LONG, h.classify("dnnl_dim_t offset", true, true, "t"));
        assertEquals(Kind.POINTER, h.classify("const dnnl_dims_t dims", true, true, "t"));
        assertEquals(Kind.POINTER, h.classify("dnnl_engine_t engine", true, true, "t"));
        assertEquals(Kind.POINTER, h.classify("const_dnnl_memory_desc_t md", true, true, "t"));
        assertEquals(Kind.POINTER, h.classify("void *handle", true, true, "t"));
        assertEquals(Kind.FLOAT, h.classify("float alpha", true, true, "t"));
        assertEquals(Kind.INT, h.classify("unsigned", true, true, "t"));
        assertEquals(Kind.INT, h.classify("int", true, true, "t"));
        assertEquals(Kind.VOID, h.classify("void", false, false, "t"));
        AssertionError unknown = org.junit.jupiter.api.Assertions.assertThrows(AssertionError.class,
                () -> h.classify("dnnl_no_such_type_t x", true, true, "t"));
        assertTrue(unknown.getMessage().contains("unknown C type"), unknown.getMessage());
        Prototype p = h.prototype("dnnl_memory_desc_create_with_tag").orElseThrow();
        assertEquals(5, p.params().size(), p.toString());
        assertEquals(0, h.prototype("dnnl_version").orElseThrow().params().size());
    }

    // ---------------------------------------------------------------- constants and structs through gcc

    static final List<Class<?>> STRUCTS = List.of(dnnl_exec_arg_t.class, dnnl_version_t.class);

    static GroupLayout layoutOf(Class<?> struct) {
        try {
            return (GroupLayout) invokeStatic(struct.getMethod("layout"));
        } catch (NoSuchMethodException e) {
            throw new AssertionError(struct + " has no layout()", e);
        }
    }

    /** Field names of {@code typedef struct {...} name;} in the headers, in order. */
    static List<String> cFields(String struct) {
        String body = dnnlHeaders.structBodies.get(struct);
        assertTrue(body != null, "no 'typedef struct {...} " + struct + ";' in the dnnl headers");
        List<String> fields = new ArrayList<>();
        for (String decl : body.split(";")) {
            String d = decl.trim().replaceAll("\\[[^\\]]*\\]", "").trim();
            if (d.isEmpty()) {
                continue;
            }
            Matcher m = Pattern.compile("(\\w+)\\s*$").matcher(d);
            assertTrue(m.find(), "cannot read a field name from '" + decl.trim() + "' in " + struct);
            fields.add(m.group(1));
        }
        return fields;
    }

    static String cFieldDecl(String struct, String field) {
        for (String decl : dnnlHeaders.structBodies.get(struct).split(";")) {
            if (decl.trim().matches("(?s).*\\b" + Pattern.quote(field) + "\\s*(\\[[^\\]]*\\])?\\s*")) {
                return decl.trim().replaceAll("\\s+", " ");
            }
        }
        throw new AssertionError(struct + "." + field + " not found");
    }

    /** Compiles and runs (once) a C program that prints every constant and struct geometry. */
    static synchronized void runGccProgram() throws IOException {
        if (gccConstants != null) {
            return;
        }
        if (tempDir == null) {
            tempDir = Files.createTempDirectory("kdnn-bindings-test");
        }
        Path include = tempDir.resolve("include");
        if (Files.exists(include)) {
            fail("the gcc program failed in an earlier test of this class; see that failure");
        }
        try (Stream<Path> s = Files.walk(includeRoot)) {
            for (Path p : s.toList()) {
                Path target = include.resolve(includeRoot.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
        StringBuilder c = new StringBuilder();
        c.append("#include <stdio.h>\n#include <stddef.h>\n#include \"").append(MAIN_HEADER).append("\"\n\n");
        c.append("int main(void) {\n");
        for (String name : constants(dnnl_h.class).keySet()) {
            c.append("    printf(\"C %s %d %d %lld\\n\", \"").append(name).append("\", (int)__builtin_classify_type(")
                    .append(name).append("), (int)sizeof(").append(name).append("), (long long)(").append(name).append("));\n");
        }
        for (Class<?> struct : STRUCTS) {
            String s = struct.getSimpleName();
            c.append("    printf(\"S %s %d %d\\n\", \"").append(s).append("\", (int)sizeof(").append(s)
                    .append("), (int)_Alignof(").append(s).append("));\n");
            for (String f : cFields(s)) {
                c.append("    printf(\"F %s %d %d\\n\", \"").append(s).append('.').append(f).append("\", (int)offsetof(")
                        .append(s).append(", ").append(f).append("), (int)sizeof(((").append(s).append(" *)0)->")
                        .append(f).append("));\n");
            }
        }
        c.append("    return 0;\n}\n");
        Path src = tempDir.resolve("constants.c");
        Path exe = tempDir.resolve("constants");
        Files.writeString(src, c);
        runOrFail(List.of("gcc", "-std=gnu11", "-O0", "-w", "-I" + include, "-o", exe.toString(), src.toString()),
                "compiling " + src + " (a constant or struct bound in kdnn.bindings that the headers lack shows up here)");
        String out = runOrFail(List.of(exe.toString()), null);
        Map<String, String[]> consts = new HashMap<>();
        Map<String, long[]> structs = new HashMap<>();
        for (String line : out.split("\n")) {
            String[] f = line.trim().split(" ");
            switch (f[0]) {
                case "C" -> consts.put(f[1], new String[] {f[2], f[3], f[4]});
                case "S", "F" -> structs.put(f[1], new long[] {Long.parseLong(f[2]), Long.parseLong(f[3])});
                default -> fail("unexpected output from the gcc program: " + line);
            }
        }
        gccStructs = structs;
        gccConstants = consts;
    }

    /** Runs a command; fails the test with its output when it cannot start or exits non-zero. */
    static String runOrFail(List<String> command, String what) throws IOException {
        Process p;
        try {
            p = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            if (command.get(0).equals("gcc")) {
                fail("gcc is not on the PATH (" + e.getMessage() + "): BindingsMatchHeaderTest compiles a C program"
                        + " against the oneDNN headers to check the bindings' constants and structs, and reads gcc's omp.h; install gcc");
            }
            throw e;
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                fail(String.join(" ", command) + " did not finish in 120 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
        if (p.exitValue() != 0) {
            fail((what != null ? what + ": " : "") + String.join(" ", command) + " exited with " + p.exitValue()
                    + ":\n" + out);
        }
        return out;
    }

    // __builtin_classify_type results (gcc's typeclass.h)
    static final int INTEGER_TYPE_CLASS = 1;
    static final int ENUMERAL_TYPE_CLASS = 3;
    static final int POINTER_TYPE_CLASS = 5;

    @Test
    void dnnlConstantsMatchHeaders() throws IOException {
        Map<String, Method> constants = constants(dnnl_h.class);
        assertTrue(constants.size() > 10, "too few constants found in dnnl_h: " + constants.keySet());
        runGccProgram();
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, Method> e : constants.entrySet()) {
            String name = e.getKey();
            Method getter = e.getValue();
            String[] c = gccConstants.get(name);
            if (c == null) {
                problems.add("dnnl_h." + name + ": the gcc program printed nothing for it");
                continue;
            }
            int typeClass = Integer.parseInt(c[0]);
            int size = Integer.parseInt(c[1]);
            long cValue = Long.parseLong(c[2]);
            Object javaValue = invokeStatic(getter);
            Class<?> type = getter.getReturnType();
            if (type == int.class || type == long.class) {
                int wantSize = type == int.class ? 4 : 8;
                if ((typeClass != INTEGER_TYPE_CLASS && typeClass != ENUMERAL_TYPE_CLASS) || size != wantSize) {
                    problems.add("dnnl_h." + name + ": returns " + type + ", but in C it is not a " + wantSize
                            + "-byte integer (type class " + typeClass + ", size " + size + ")");
                }
                long j = ((Number) javaValue).longValue();
                // jextract keeps an unsigned int macro's bits: 0x80000000u becomes (int) 2147483648L
                boolean unsignedWrap = type == int.class && cValue >= 0 && cValue <= 0xFFFF_FFFFL && (int) cValue == (int) j;
                if (j != cValue && !unsignedWrap) {
                    problems.add("dnnl_h." + name + "() = " + j + ", but the header gives " + cValue);
                }
            } else if (type == MemorySegment.class) {
                if (typeClass != POINTER_TYPE_CLASS) {
                    problems.add("dnnl_h." + name + ": returns a MemorySegment, but in C it is not a pointer (type class "
                            + typeClass + ")");
                }
                long j = ((MemorySegment) javaValue).address();
                if (j != cValue) {
                    problems.add("dnnl_h." + name + "() has address " + j + ", but the header gives " + cValue);
                }
            } else {
                problems.add("dnnl_h." + name + ": a constant getter returning " + type + " is not handled by this test");
            }
        }
        assertTrue(problems.isEmpty(), problems.size() + " dnnl_h constant(s) disagree with the headers:\n  "
                + String.join("\n  ", problems));
    }

    @Test
    void structLayoutsMatchHeaders() throws IOException {
        runGccProgram();
        List<String> problems = new ArrayList<>();
        for (Class<?> struct : STRUCTS) {
            String s = struct.getSimpleName();
            GroupLayout layout = layoutOf(struct);
            long[] sa = gccStructs.get(s);
            if (layout.byteSize() != sa[0]) {
                problems.add(s + ".layout() is " + layout.byteSize() + " bytes, sizeof(" + s + ") is " + sa[0]);
            }
            if (layout.byteAlignment() != sa[1]) {
                problems.add(s + ".layout() is aligned to " + layout.byteAlignment() + ", _Alignof(" + s + ") is " + sa[1]);
            }
            List<String> javaFields = layout.memberLayouts().stream()
                    .filter(m -> m.name().isPresent()).map(m -> m.name().get()).toList();
            List<String> fields = cFields(s);
            if (!javaFields.equals(fields)) {
                problems.add(s + ".layout() has fields " + javaFields + ", the header " + fields);
            }
            for (String f : fields) {
                if (!javaFields.contains(f)) {
                    continue;
                }
                MemoryLayout member = layout.select(groupElement(f));
                long offset = layout.byteOffset(groupElement(f));
                long[] of = gccStructs.get(s + "." + f);
                if (offset != of[0]) {
                    problems.add(s + "." + f + ": offset " + offset + " in the layout, offsetof gives " + of[0]);
                }
                if (member.byteSize() != of[1]) {
                    problems.add(s + "." + f + ": " + member.byteSize() + " bytes in the layout, " + of[1] + " in C");
                }
                try {
                    Kind cKind = dnnlHeaders.classify(cFieldDecl(s, f), true, false, s + "." + f);
                    Kind jKind = Kind.of(member);
                    if (cKind != jKind) {
                        problems.add(s + "." + f + ": " + jKind + " in the layout, '" + cFieldDecl(s, f) + "' (" + cKind + ") in C");
                    }
                } catch (AssertionError e) {
                    problems.add(e.getMessage());
                }
                // the generated offset constant must agree with the layout
                try {
                    long generated = (long) invokeStatic(struct.getMethod(f + "$offset"));
                    if (generated != offset) {
                        problems.add(s + "." + f + "$offset() = " + generated + ", the layout says " + offset);
                    }
                } catch (NoSuchMethodException e) {
                    problems.add(s + " has no " + f + "$offset()");
                }
            }
        }
        assertTrue(problems.isEmpty(), "struct bindings disagree with the headers:\n  " + String.join("\n  ", problems));
    }

    // ---------------------------------------------------------------- jextract argfiles

    static Path bindingsDir() {
        for (String base : new String[] {System.getProperty("basedir"), System.getProperty("user.dir")}) {
            if (base != null && Files.isRegularFile(Path.of(base, "bindings", "includes.txt"))) {
                return Path.of(base, "bindings");
            }
        }
        throw new AssertionError("bindings/includes.txt not found from basedir or the working directory");
    }

    /** option -> names, from a jextract @argfile that holds only --include-* lines. */
    static Map<String, Set<String>> readArgfile(Path file) throws IOException {
        Map<String, Set<String>> out = new TreeMap<>();
        int lineNo = 0;
        for (String line : Files.readAllLines(file)) {
            lineNo++;
            String l = line.strip();
            if (l.isEmpty() || l.startsWith("#")) {
                continue;
            }
            String[] parts = l.split("\\s+");
            assertTrue(parts.length == 2 && parts[0].matches("--include-(function|constant|struct|typedef|union|var)"),
                    file + ":" + lineNo + ": not an --include-KIND NAME line: " + line);
            assertTrue(out.computeIfAbsent(parts[0], k -> new LinkedHashSet<>()).add(parts[1]),
                    file + ":" + lineNo + ": " + parts[1] + " is listed twice");
        }
        return out;
    }

    /** Adds to {@code problems} the names that only one of the argfile and the bindings has. */
    static void compareNames(Path file, String option, Map<String, Set<String>> args, Set<String> bound, String what,
            List<String> problems) {
        Set<String> listed = args.getOrDefault(option, Set.of());
        Set<String> notListed = new TreeSet<>(bound);
        notListed.removeAll(listed);
        Set<String> notBound = new TreeSet<>(listed);
        notBound.removeAll(bound);
        if (!notListed.isEmpty()) {
            problems.add(file + ": " + what + " without an " + option + " line: " + notListed);
        }
        if (!notBound.isEmpty()) {
            problems.add(file + ": " + option + " lines naming no " + what + ": " + notBound);
        }
    }

    static Class<?> bindingClass(String simpleName) {
        try {
            return Class.forName("kdnn.bindings." + simpleName, false, BindingsMatchHeaderTest.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            return null;
        }
    }

    @Test
    void includesTxtListsExactlyTheDnnlBindings() throws IOException {
        Path file = bindingsDir().resolve("includes.txt");
        Map<String, Set<String>> args = readArgfile(file);
        List<String> problems = new ArrayList<>();
        compareNames(file, "--include-function", args, boundFunctions(dnnl_h.class), "functions bound in dnnl_h", problems);
        compareNames(file, "--include-constant", args, constants(dnnl_h.class).keySet(), "constants in dnnl_h", problems);
        Set<String> structNames = STRUCTS.stream().map(Class::getSimpleName).collect(Collectors.toCollection(TreeSet::new));
        compareNames(file, "--include-struct", args, structNames, "struct classes in kdnn.bindings", problems);
        assertTrue(problems.isEmpty(), String.join("\n", problems));
        for (String typedef : args.getOrDefault("--include-typedef", Set.of())) {
            assertTrue(bindingClass(typedef) != null || dnnlHeaders.aliasTypedefs.containsKey(typedef)
                            || dnnlHeaders.structBodies.containsKey(typedef),
                    file + ": --include-typedef " + typedef + " is neither a binding class nor a typedef in the headers");
        }
        Set<String> unexpected = new TreeSet<>(args.keySet());
        unexpected.removeAll(Set.of("--include-function", "--include-constant", "--include-struct", "--include-typedef"));
        assertTrue(unexpected.isEmpty(), file + ": unexpected options " + unexpected);
        // no binding class escapes this test: the folder holds the two header classes and the checked structs
        Set<String> classes;
        try (Stream<Path> s = Files.list(bindingsDir().resolve("kdnn").resolve("bindings"))) {
            classes = s.map(p -> p.getFileName().toString().replaceFirst("\\.java$", ""))
                    .filter(name -> !name.equals("package-info")) // the package's documentation, not a binding
                    .collect(Collectors.toCollection(TreeSet::new));
        }
        Set<String> expected = new TreeSet<>(structNames);
        expected.addAll(Set.of("dnnl_h", "omp_h"));
        assertEquals(expected, classes, "classes in bindings/kdnn/bindings vs those this test checks");
    }

    @Test
    void ompIncludesTxtListsExactlyTheOmpBindings() throws IOException {
        Path file = bindingsDir().resolve("omp-includes.txt");
        Map<String, Set<String>> args = readArgfile(file);
        assertEquals(Set.of("--include-function"), args.keySet(), file + ": only --include-function lines expected");
        List<String> problems = new ArrayList<>();
        compareNames(file, "--include-function", args, boundFunctions(omp_h.class), "functions bound in omp_h", problems);
        assertTrue(problems.isEmpty(), String.join("\n", problems));
        assertEquals(Map.of(), constants(omp_h.class), "omp_h is expected to hold no constants");
    }
}
