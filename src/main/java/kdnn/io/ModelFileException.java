package kdnn.io;

/**
 * A model file kdnn cannot read: malformed, truncated, inconsistent, or of a kind it refuses
 * (Keras 1, Theano, Lambda layers, custom classes). The message names the file, the layer or
 * member, and what is wrong.
 */
public final class ModelFileException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    /** A refusal with this message, naming the file and what is wrong. */
    public ModelFileException(String message) {
        super(message);
    }

    /** A refusal with this message and the error that caused it. */
    public ModelFileException(String message, Throwable cause) {
        super(message, cause);
    }
}
