/**
 * Keras' initializers, regularizers and constraints, with their configs read and written as
 * Keras does ({@link kdnn.keras.Initializers}, {@link kdnn.keras.Regularizers},
 * {@link kdnn.keras.Constraints}), and the JSON helpers layer configs use.
 */
package kdnn.keras;
