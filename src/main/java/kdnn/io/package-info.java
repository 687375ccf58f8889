/**
 * Model files: {@link kdnn.io.Models#load} reads a Keras 2 HDF5 file, a Keras 3 {@code .keras}
 * archive, a TensorFlow.js layers model or a bare config with its weights, telling the format by
 * content. A file kdnn cannot read is refused with a {@link kdnn.io.ModelFileException} naming the
 * file, the member and what is wrong.
 */
package kdnn.io;
