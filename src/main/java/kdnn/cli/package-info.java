/**
 * The {@code ./kdnn} command line (demo, info, golden, run, summary, stress). Internal, not
 * exported by module {@code kdnn}.
 */
package kdnn.cli;
