package dev.jgitpomerium.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Line2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.text.DecimalFormat;
import java.text.DecimalFormatSymbols;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.ValueAxis;
import org.jfree.chart.labels.ItemLabelAnchor;
import org.jfree.chart.labels.ItemLabelPosition;
import org.jfree.chart.labels.StandardCategoryItemLabelGenerator;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.CategoryItemRendererState;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.chart.title.TextTitle;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.category.CategoryDataset;
import org.jfree.data.category.DefaultCategoryDataset;

/**
 * The PNG: one small bar chart per measure (its own unit and scale), direct beside tunnel, bars at
 * the median and whiskers over the spread the tables report. Drawn headless with JFreeChart.
 */
final class Chart {
  private static final int COLUMNS = 3;
  private static final int PANEL_WIDTH = 440;
  private static final int PANEL_HEIGHT = 340;
  private static final int HEADER_HEIGHT = 64;
  private static final Color DIRECT = new Color(0x4C72B0);
  private static final Color TUNNEL = new Color(0xDD8452);
  private static final Font TITLE = new Font(Font.SANS_SERIF, Font.BOLD, 18);
  private static final Font SMALL = new Font(Font.SANS_SERIF, Font.PLAIN, 12);
  private static final Font PANEL_TITLE = new Font(Font.SANS_SERIF, Font.BOLD, 13);

  private Chart() {}

  static void write(List<Measurement> measures, String subtitle, Path png) throws IOException {
    int rows = (measures.size() + COLUMNS - 1) / COLUMNS;
    int width = COLUMNS * PANEL_WIDTH;
    int height = HEADER_HEIGHT + rows * PANEL_HEIGHT;
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
      g.setRenderingHint(
          RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, width, height);
      g.setColor(Color.BLACK);
      g.setFont(TITLE);
      g.drawString(
          "jgit-pomerium: git over direct SSH and through the Pomerium tunnel", 16, 28);
      g.setFont(SMALL);
      g.drawString(
          subtitle + " · bars: median; whiskers: p10–p90 (min–max when fewer than 10 values)",
          16,
          50);
      for (int i = 0; i < measures.size(); i++) {
        int x = (i % COLUMNS) * PANEL_WIDTH;
        int y = HEADER_HEIGHT + (i / COLUMNS) * PANEL_HEIGHT;
        panel(measures.get(i)).draw(g, new Rectangle2D.Double(x, y, PANEL_WIDTH, PANEL_HEIGHT));
      }
    } finally {
      g.dispose();
    }
    ImageIO.write(image, "png", png.toFile());
  }

  private static JFreeChart panel(Measurement m) {
    DefaultCategoryDataset dataset = new DefaultCategoryDataset();
    dataset.addValue(m.direct().median(), Via.DIRECT.label(), "");
    dataset.addValue(m.tunnel().median(), Via.TUNNEL.label(), "");

    WhiskerRenderer renderer = new WhiskerRenderer(List.of(m.direct(), m.tunnel()));
    renderer.setBarPainter(new StandardBarPainter());
    renderer.setShadowVisible(false);
    renderer.setItemMargin(0.1);
    renderer.setSeriesPaint(0, DIRECT);
    renderer.setSeriesPaint(1, TUNNEL);
    renderer.setDefaultItemLabelGenerator(
        new StandardCategoryItemLabelGenerator("{2}", labelFormat(m)));
    renderer.setDefaultItemLabelsVisible(true);
    renderer.setDefaultItemLabelPaint(Color.WHITE);
    renderer.setDefaultItemLabelFont(SMALL);
    renderer.setDefaultPositiveItemLabelPosition(
        new ItemLabelPosition(ItemLabelAnchor.INSIDE6, TextAnchor.BOTTOM_CENTER));

    NumberAxis values = new NumberAxis(m.unit().isEmpty() ? "" : m.unit());
    double top = Math.max(m.direct().spreadHigh(), m.tunnel().spreadHigh());
    values.setRange(0, top > 0 ? top * 1.12 : 1);
    CategoryPlot plot = new CategoryPlot(dataset, new CategoryAxis(), values, renderer);
    plot.setBackgroundPaint(Color.WHITE);
    plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
    plot.getDomainAxis().setCategoryMargin(0);
    plot.getDomainAxis().setLowerMargin(0.15);
    plot.getDomainAxis().setUpperMargin(0.15);

    JFreeChart chart = new JFreeChart(null, PANEL_TITLE, plot, true);
    chart.setBackgroundPaint(Color.WHITE);
    chart.addSubtitle(new TextTitle(wrap(m.name()), PANEL_TITLE));
    chart.addSubtitle(new TextTitle(comparison(m), SMALL));
    return chart;
  }

  /** About three significant digits, as in the tables. */
  private static DecimalFormat labelFormat(Measurement m) {
    double largest = Math.max(m.direct().median(), m.tunnel().median());
    return new DecimalFormat(
        largest >= 100 ? "0" : largest >= 10 ? "0.0" : "0.00",
        DecimalFormatSymbols.getInstance(Locale.ROOT));
  }

  /** Times compare as a ratio; counts per session as the tunnel's own addition. */
  private static String comparison(Measurement m) {
    boolean cost = m.name().startsWith("threads") || m.name().startsWith("heap");
    if (!cost) {
      return String.format(Locale.ROOT, "tunnel/direct: %.2f", m.ratio());
    }
    String unit = m.unit().isEmpty() ? "" : " " + m.unit();
    return "tunnel − direct: " + Report.signed(m.difference()) + unit;
  }

  /** Long names lose their parenthesis, and a variant goes on a line of its own. */
  private static String wrap(String title) {
    int paren = title.indexOf(" (");
    String shorter = paren > 0 && title.length() > 36 ? title.substring(0, paren) : title;
    return shorter
        .replace(BenchRun.NO_DELAY, "\n" + BenchRun.NO_DELAY.substring(2))
        .replace(", " + BenchRun.REUSING, "\n" + BenchRun.REUSING);
  }

  /** Bars with a whisker from each series' spread low to high. */
  private static final class WhiskerRenderer extends BarRenderer {
    private static final long serialVersionUID = 1L;
    private final transient List<Samples> samples;

    WhiskerRenderer(List<Samples> samples) {
      this.samples = samples;
    }

    @Override
    public void drawItem(
        Graphics2D g2,
        CategoryItemRendererState state,
        Rectangle2D dataArea,
        CategoryPlot plot,
        CategoryAxis domainAxis,
        ValueAxis rangeAxis,
        CategoryDataset dataset,
        int row,
        int column,
        int pass) {
      super.drawItem(g2, state, dataArea, plot, domainAxis, rangeAxis, dataset, row, column, pass);
      if (pass != getPassCount() - 1 || row >= samples.size()) {
        return;
      }
      int visibleRow = state.getVisibleSeriesIndex(row);
      if (visibleRow < 0) {
        return;
      }
      double x0 =
          calculateBarW0(
              plot, plot.getOrientation(), dataArea, domainAxis, state, visibleRow, column);
      double center = x0 + state.getBarWidth() / 2;
      double cap = state.getBarWidth() / 6;
      Samples s = samples.get(row);
      double low = rangeAxis.valueToJava2D(s.spreadLow(), dataArea, plot.getRangeAxisEdge());
      double high = rangeAxis.valueToJava2D(s.spreadHigh(), dataArea, plot.getRangeAxisEdge());
      g2.setPaint(Color.BLACK);
      g2.setStroke(new BasicStroke(1.5f));
      g2.draw(new Line2D.Double(center, low, center, high));
      g2.draw(new Line2D.Double(center - cap, low, center + cap, low));
      g2.draw(new Line2D.Double(center - cap, high, center + cap, high));
    }
  }
}
