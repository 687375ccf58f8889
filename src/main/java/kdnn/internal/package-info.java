/**
 * What the planner needs of layers and tensors beyond their API ({@link kdnn.internal.LayerBridge},
 * {@link kdnn.internal.TensorBridge}). Internal, not exported by module {@code kdnn}.
 */
package kdnn.internal;
