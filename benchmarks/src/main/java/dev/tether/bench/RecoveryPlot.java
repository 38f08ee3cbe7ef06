package dev.tether.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The recovery-time distribution (share of sessions restored by time since the crash, log time axis) for each
 * size, against the Deployment's and StatefulSet's replacement times from the same run.
 */
final class RecoveryPlot {
  private RecoveryPlot() {}

  static void write(Path file, RecoveryBenchmark recovery, PeerBenchmark peer) {
    System.setProperty("java.awt.headless", "true");
    double bound = peer == null ? 600 : peer.bound().toSeconds();
    XYChart chart = new XYChartBuilder().width(900).height(500)
        .title("Recovery after a node crash (detection timeout " + recovery.settings().defaultDetectionTimeout()
            .toSeconds() + " s)")
        .xAxisTitle("seconds since the node crashed (log scale)").yAxisTitle("share recovered").build();
    var styler = chart.getStyler();
    styler.setXAxisLogarithmic(true);
    styler.setYAxisMin(0.0);
    styler.setYAxisMax(1.05);
    styler.setXAxisMin(1.0);
    styler.setXAxisMax(bound * 1.5);
    styler.setLegendPosition(Styler.LegendPosition.InsideNW);
    styler.setChartBackgroundColor(Color.WHITE);
    styler.setMarkerSize(4);
    for (Map.Entry<Integer, List<Double>> entry : recovery.restored.entrySet()) {
      List<Double> sorted = entry.getValue().stream().sorted().toList();
      List<Double> x = new ArrayList<>();
      List<Double> y = new ArrayList<>();
      for (int i = 0; i < sorted.size(); i++) {
        x.add(sorted.get(i) / 1000);
        y.add((i + 1) / (double) sorted.size());
      }
      XYSeries series = chart.addSeries("Tether, " + (entry.getKey() == 1
          ? "1 session (" + sorted.size() + " crashes)" : entry.getKey() + " sessions on the node"), x, y);
      series.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Step);
      series.setMarker(SeriesMarkers.NONE);
    }
    if (peer != null) {
      addPeer(chart, "Deployment (Kubernetes defaults)", peer.replaced.get(PeerBenchmark.DEPLOYMENT), bound,
          new Color(200, 90, 20));
      addPeer(chart, "StatefulSet (Kubernetes defaults)", peer.replaced.get(PeerBenchmark.STATEFUL_SET), bound,
          new Color(150, 30, 150));
    }
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A single replacement: 0 until its time, 1 after; none within the bound: 0 up to the bound. */
  private static void addPeer(XYChart chart, String name, Optional<Double> millis, double bound, Color color) {
    List<Double> x;
    List<Double> y;
    if (millis != null && millis.isPresent()) {
      double t = millis.get() / 1000;
      x = List.of(1.0, t, t, bound * 1.5);
      y = List.of(0.0, 0.0, 1.0, 1.0);
    } else {
      name = name + ": never (> " + (long) bound + " s)";
      x = List.of(1.0, bound);
      y = List.of(0.0, 0.0);
    }
    XYSeries series = chart.addSeries(name, x, y);
    series.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
    series.setMarker(SeriesMarkers.NONE);
    series.setLineColor(color);
    series.setLineStyle(new BasicStroke(2.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f,
        new float[] {8f, 4f}, 0f));
  }
}
