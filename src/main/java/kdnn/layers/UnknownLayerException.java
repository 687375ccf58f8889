package kdnn.layers;

import java.util.Collection;

/** A config names a layer class kdnn does not implement. */
public final class UnknownLayerException extends IllegalArgumentException {
    private final String className;

    UnknownLayerException(String className, Collection<String> known) {
        super("Unknown layer: '" + className + "'. kdnn implements " + known);
        this.className = className;
    }

    /**
     * A model's refusal that lists every unknown class with the layers using it; {@code className}
     * is the first of them.
     */
    public UnknownLayerException(String message, String className) {
        super(message);
        this.className = className;
    }

    /** The class name that was asked for. */
    public String className() {
        return className;
    }
}
