package kdnn.runtime;

/** The oneDNN library could not be found, extracted, loaded or is of the wrong version. */
public final class NativeLibraryException extends RuntimeException {
    NativeLibraryException(String message) {
        super(message);
    }

    NativeLibraryException(String message, Throwable cause) {
        super(message, cause);
    }
}
