package kdnn.bench;

import java.awt.Color;
import java.awt.Font;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.data.category.DefaultCategoryDataset;

/** The last run as grouped horizontal bars per shape, median microseconds on a log axis (JFreeChart). */
public final class BenchChart {
    // one colour per implementation, in BenchMain.IMPLS' order
    private static final Color[] COLORS = {new Color(0x1f77b4), new Color(0x7f7f7f), new Color(0xff7f0e),
        new Color(0x2ca02c), new Color(0xd62728), new Color(0x9467bd)};

    private BenchChart() {
    }

    public static void write(Path png, List<BenchShape> shapes, List<BenchMain.Measurement> all, int threads)
            throws Exception {
        System.setProperty("java.awt.headless", "true");
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        double min = Double.MAX_VALUE, max = 0;
        for (String impl : BenchMain.IMPLS) {
            // an implementation that measured nothing (bf16 on a CPU without it) gets no empty bar slot
            if (all.stream().noneMatch(m -> m.impl().equals(impl) && !Double.isNaN(m.medianUs()))) continue;
            for (BenchShape s : shapes) {
                double v = BenchMain.get(all, s.name(), impl, false);
                data.addValue(Double.isNaN(v) ? null : v, impl, s.name());
                if (!Double.isNaN(v)) {
                    min = Math.min(min, v);
                    max = Math.max(max, v);
                }
            }
        }
        List<java.awt.Paint> paints = java.util.Arrays.stream(COLORS).map(c -> (java.awt.Paint) c).toList();
        save(png, "kdnn bench: f32 conv + bias + ReLU, " + threads + " threads (reference: 1 thread)",
                "median time per call, microseconds (log scale; lower is faster)", data, BenchMain.IMPLS, paints, min, max,
                0.1, 240 + 70 * shapes.size());
    }

    /**
     * Grouped horizontal bars of {@code data} on a log axis from the decade below {@code min} to the
     * one above {@code max} (values at least {@code smallest}), series coloured in {@code order}.
     */
    static void save(Path png, String title, String axis, DefaultCategoryDataset data, List<String> order,
                     List<java.awt.Paint> paints, double min, double max, double smallest, int height) throws Exception {
        LogAxis values = new LogAxis(axis);
        values.setBase(10);
        values.setSmallestValue(smallest);
        values.setLowerBound(Math.pow(10, Math.floor(Math.log10(Math.max(min, smallest)))));
        values.setUpperBound(Math.pow(10, Math.ceil(Math.log10(Math.max(max, 10 * smallest)))));
        values.setTickUnit(new org.jfree.chart.axis.NumberTickUnit(1)); // one tick per decade
        values.setNumberFormatOverride(new java.text.DecimalFormat("#,##0.##"));
        BarRenderer bars = new BarRenderer();
        bars.setBarPainter(new StandardBarPainter());
        bars.setShadowVisible(false);
        bars.setItemMargin(0.05);
        bars.setBase(values.getLowerBound());
        for (int i = 0; i < order.size() && i < paints.size(); i++) {
            int row = data.getRowIndex(order.get(i));
            if (row >= 0) bars.setSeriesPaint(row, paints.get(i));
        }
        CategoryPlot plot = new CategoryPlot(data, new CategoryAxis(null), values, bars);
        plot.setOrientation(PlotOrientation.HORIZONTAL);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        JFreeChart chart = new JFreeChart(title, new Font("SansSerif", Font.BOLD, 16), plot, true);
        chart.setBackgroundPaint(Color.WHITE);
        chart.setPadding(new org.jfree.chart.ui.RectangleInsets(8, 8, 8, 40));
        if (png.toAbsolutePath().getParent() != null) Files.createDirectories(png.toAbsolutePath().getParent());
        ChartUtils.saveChartAsPNG(png.toFile(), chart, 1100, height);
    }
}
