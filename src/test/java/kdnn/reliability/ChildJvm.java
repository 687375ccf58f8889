package kdnn.reliability;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a test-scope main class in a fresh JVM (the native library loads once per JVM). */
final class ChildJvm {
    private ChildJvm() {
    }

    record Result(int exit, String output) {
    }

    static Result run(Class<?> main, List<String> jvmOptions, String... args) throws IOException, InterruptedException {
        return run(List.of(), main, jvmOptions, args);
    }

    /**
     * The command that runs a program without the capabilities that let root read and write
     * past file permissions ({@code setpriv}, util-linux), or null when there is none to use.
     */
    static List<String> withoutFilePermissionOverride() {
        Path setpriv = Path.of("/usr/bin/setpriv");
        if (!java.nio.file.Files.isExecutable(setpriv)) {
            return null;
        }
        String caps = "-dac_override,-dac_read_search";
        return List.of(setpriv.toString(), "--inh-caps=" + caps, "--bounding-set=" + caps);
    }

    /**
     * Everything this JVM runs with, as one class path: surefire runs the tests on the module path
     * (main classes in module kdnn, the tests patched into it), which the child need not repeat.
     */
    private static String classPath(Class<?> main) {
        List<String> entries = new ArrayList<>();
        String modulePath = System.getProperty("jdk.module.path");
        if (modulePath != null && !modulePath.isEmpty()) entries.add(modulePath);
        entries.add(System.getProperty("java.class.path"));
        // the tests' own folder: patched into the module, so on neither path
        String classFile = main.getName().replace('.', '/') + ".class";
        String url = main.getClassLoader().getResource(classFile).toString();
        if (url.startsWith("file:")) {
            entries.add(Path.of(java.net.URI.create(url.substring(0, url.length() - classFile.length()))).toString());
        }
        return String.join(java.io.File.pathSeparator, entries);
    }

    /** As {@link #run(Class, List, String...)}, the JVM started through {@code prefix} (a wrapper command). */
    static Result run(List<String> prefix, Class<?> main, List<String> jvmOptions, String... args)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(prefix);
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("--enable-native-access=ALL-UNNAMED");
        cmd.add("-Xshare:auto");
        cmd.add("-XX:TieredStopAtLevel=1");
        cmd.add("-cp");
        cmd.add(classPath(main));
        cmd.add("-Dkdnn.shared=" + System.getProperty("kdnn.shared", "../shared"));
        cmd.addAll(jvmOptions);
        cmd.add(main.getName());
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("child JVM did not finish: " + cmd);
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }
}
