package kdnn.internal;

import kdnn.Tensor;

/**
 * What layers and models need of a {@link Tensor} beyond its API: holding it for the length of a
 * call, so that {@link Tensor#close()} waits for the call instead of freeing memory under it.
 * Implemented inside {@code kdnn} and installed when {@link Tensor} initializes.
 */
public abstract class TensorBridge {
    private static volatile TensorBridge instance;

    /** Called once, by {@link Tensor}'s static initializer. */
    public static void install(TensorBridge bridge) {
        if (instance != null) {
            throw new IllegalStateException("tensor bridge already installed");
        }
        instance = bridge;
    }

    /** The installed bridge, initializing {@link Tensor} first if nothing has yet. */
    public static TensorBridge get() {
        if (instance == null) {
            try {
                Class.forName(Tensor.class.getName(), true, Tensor.class.getClassLoader());
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException(e);
            }
        }
        return instance;
    }

    /**
     * Marks {@code tensor} in use (shared: many holders at once) so its close waits until
     * {@link #release}; returns the stamp to release with.
     *
     * @throws IllegalStateException when the tensor is closed
     */
    public abstract long hold(Tensor tensor);

    /** Ends a {@link #hold}; {@code stamp} is what it returned. */
    public abstract void release(Tensor tensor, long stamp);
}
