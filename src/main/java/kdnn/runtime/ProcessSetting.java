package kdnn.runtime;

/**
 * A setting given to the process by a system property or, where that is unset or blank, an
 * environment variable; {@code from} names the one it came from, for error messages.
 */
record ProcessSetting(String value, String from) {
    static ProcessSetting read(String property, String variable) {
        String s = System.getProperty(property);
        if (s != null && !s.isBlank()) {
            return new ProcessSetting(s, "system property " + property);
        }
        return new ProcessSetting(System.getenv(variable), "environment variable " + variable);
    }

    /** True when either gave a value that is not blank. */
    boolean given() {
        return value != null && !value.isBlank();
    }
}
