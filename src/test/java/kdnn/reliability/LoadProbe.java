package kdnn.reliability;

import kdnn.runtime.NativeLibrary;

/** Child-JVM main: loads the native library and prints what happened, one line. */
public final class LoadProbe {
    private LoadProbe() {
    }

    public static void main(String[] args) {
        try {
            NativeLibrary.Loaded l = NativeLibrary.load();
            System.out.println("LOADED " + l.version() + " " + l.file());
        } catch (Throwable t) {
            System.out.println("FAILED " + t.getClass().getName() + ": " + t.getMessage());
            // a second attempt must say the same, not half-load
            try {
                NativeLibrary.load();
                System.out.println("SECOND LOADED");
            } catch (Throwable t2) {
                System.out.println("SECOND " + t2.getClass().getName());
            }
        }
    }
}
