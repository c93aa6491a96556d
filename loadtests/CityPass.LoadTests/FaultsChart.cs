using System.Globalization;
using System.Security;
using System.Text;

namespace CityPass.LoadTests;

/// <summary>
/// The fault run's chart as a self-contained SVG, one time line for all of it: answers per second (2xx, non-2xx,
/// skipped slots stacked), latency per second (p50, p99 of the timed answers and the probe's slowest, log scale),
/// what /health/ready said, and a numbered line at each event.
/// </summary>
public static class FaultsChart
{
    private const int Width = 1100;
    private const int Left = 70;
    private const int Right = 20;
    private const double MinMs = 0.1;
    private const double MaxMs = 10_000;

    public static string Render(FaultsResults run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return Render($"CityPass fail safe under load - {run.StartedAt:yyyy-MM-dd HH:mm} UTC: scans at {run.Rate:N0}/s ({run.RatePercent}% of max) while Redis and PostgreSQL fail",
            run.Seconds, run.LoadSeconds, run.Health, run.Events);
    }

    /// <summary>The chart of any fault time line: its seconds, length, the health samples drawn in the bottom band, and the events.</summary>
    public static string Render(string title, IReadOnlyList<TimelineRow> seconds, double loadSeconds, IReadOnlyList<HealthSample> health, IReadOnlyList<FaultEvent> events)
    {
        ArgumentNullException.ThrowIfNull(seconds);
        ArgumentNullException.ThrowIfNull(health);
        ArgumentNullException.ThrowIfNull(events);
        var plot = Width - Left - Right;
        var length = Math.Max(1, loadSeconds);
        double X(double s) => Left + plot * Math.Clamp(s, 0, length) / length;
        var (top1, h1) = (50, 200);
        var (top2, h2) = (top1 + h1 + 40, 200);
        var (top3, h3) = (top2 + h2 + 30, 18);
        var legendTop = top3 + h3 + 30;
        var height = legendTop + 20 + (16 * events.Count) + 10;
        var sb = new StringBuilder();
        string F(double x) => x.ToString("0.#", CultureInfo.InvariantCulture);
        void Text(double x, double y, string text, string extra = "") =>
            sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{F(x)}\" y=\"{F(y)}\" {extra}>{SecurityElement.Escape(text)}</text>\n");
        void Rect(double x, double y, double w, double h, string fill) =>
            sb.Append(CultureInfo.InvariantCulture, $"<rect x=\"{F(x)}\" y=\"{F(y)}\" width=\"{F(Math.Max(0, w))}\" height=\"{F(Math.Max(0, h))}\" fill=\"{fill}\"/>\n");

        sb.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{height}\" viewBox=\"0 0 {Width} {height}\" font-family=\"sans-serif\" font-size=\"12\">\n");
        Rect(0, 0, Width, height, "white");
        Text(10, 22, title, "font-size=\"14\" font-weight=\"bold\"");

        // 1. Answers per second, stacked.
        var peak = Math.Max(1, seconds.Count == 0 ? 1 : seconds.Max(r => r.Ok + r.NotOkTotal + r.Skipped));
        Text(10, top1 - 8, "Answers per second: 2xx (green), non-2xx (red), slots skipped (grey); shaded: scans sent and not one answered", "font-weight=\"bold\"");
        var bar = Math.Max(1, plot / length);
        foreach (var r in seconds.Where(r => r.Sent > 0 && r.Ok + r.NotOkTotal == 0))
        {
            Rect(X(r.StartSeconds), top1, bar, h1, "#e7e6e6");
        }
        foreach (var r in seconds)
        {
            var x = X(r.StartSeconds);
            double y = top1 + h1;
            foreach (var (count, colour) in new[] { ((double)r.Ok, "#70ad47"), (r.NotOkTotal, "#c00000"), (r.Skipped, "#a5a5a5") })
            {
                var h = h1 * count / peak;
                Rect(x, y - h, bar, h, colour);
                y -= h;
            }
        }
        Text(Left - 6, top1 + 10, peak.ToString("N0", CultureInfo.InvariantCulture), "text-anchor=\"end\" fill=\"#555\"");
        Text(Left - 6, top1 + h1, "0", "text-anchor=\"end\" fill=\"#555\"");

        // 2. Latency per second, log scale.
        Text(10, top2 - 8, "Latency per second, ms (log): p50 (blue), p99 (orange) of timed answers; the probe's slowest (dots; red: one not 2xx)", "font-weight=\"bold\"");
        double Y(double ms) => top2 + h2 - (h2 * (Math.Log10(Math.Clamp(ms, MinMs, MaxMs)) - Math.Log10(MinMs)) / (Math.Log10(MaxMs) - Math.Log10(MinMs)));
        foreach (var tick in new[] { 0.1, 1, 10, 100, 250, 1000, 10_000 })
        {
            sb.Append(CultureInfo.InvariantCulture, $"<line x1=\"{Left}\" y1=\"{F(Y(tick))}\" x2=\"{Width - Right}\" y2=\"{F(Y(tick))}\" stroke=\"{(tick == 250 ? "#f4b183" : "#eee")}\"/>\n");
            Text(Left - 6, Y(tick) + 4, tick == 250 ? "250 ms" : F(tick), "text-anchor=\"end\" fill=\"#555\"");
        }
        // A line per stretch of seconds with timed answers: a second without any breaks it rather than bridging the gap.
        var stretches = new List<List<TimelineRow>>();
        foreach (var r in seconds)
        {
            if (r.Timed == 0) stretches.Add([]);
            else if (stretches.Count == 0) stretches.Add([r]);
            else stretches[^1].Add(r);
        }
        foreach (var (pick, colour) in new (Func<TimelineRow, double> Pick, string Colour)[] { (r => r.P50, "#5b9bd5"), (r => r.P99, "#ed7d31") })
        {
            foreach (var stretch in stretches.Where(x => x.Count > 0))
            {
                var points = stretch.Select(r => $"{F(X(r.StartSeconds + 0.5))},{F(Y(pick(r)))}");
                sb.Append(CultureInfo.InvariantCulture, $"<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"1.2\" points=\"{string.Join(' ', points)}\"/>\n");
            }
        }
        foreach (var r in seconds.Where(r => r.Probes > 0))
        {
            var refused = r.ProbeNotOk.Count > 0;
            sb.Append(CultureInfo.InvariantCulture, $"<circle cx=\"{F(X(r.StartSeconds + 0.5))}\" cy=\"{F(Y(r.ProbeMaxMs))}\" r=\"{(refused ? 2.2 : 1.6)}\" fill=\"{(refused ? "#c00000" : "#000")}\"/>\n");
        }

        // 3. Health.
        Text(10, top3 - 6, "/health/ready: Healthy (green), Degraded (yellow), 503 (red), no answer (grey)", "font-weight=\"bold\"");
        foreach (var s in health)
        {
            var colour = s.Status == 0 ? "#a5a5a5" : s.Status != 200 ? "#c00000" : s.Report == "Healthy" ? "#70ad47" : "#ffc000";
            Rect(X(s.AtSeconds), top3, Math.Max(1, plot / length), h3, colour);
        }

        // Events: a numbered line through every panel, and the list under the chart.
        for (var i = 0; i < events.Count; i++)
        {
            var x = X(events[i].AtSeconds);
            sb.Append(CultureInfo.InvariantCulture, $"<line x1=\"{F(x)}\" y1=\"{top1 - 4}\" x2=\"{F(x)}\" y2=\"{top3 + h3}\" stroke=\"#333\" stroke-dasharray=\"3,3\" stroke-width=\"0.8\"/>\n");
            Text(x + 2, top1 + 10 + (12 * (i % 4)), (i + 1).ToString(CultureInfo.InvariantCulture), "fill=\"#333\" font-size=\"10\"");
            Text(10, legendTop + 16 * i, string.Create(CultureInfo.InvariantCulture, $"{i + 1}. {events[i].AtSeconds:0.0} s: {events[i].What}"), "fill=\"#333\"");
        }
        foreach (var t in Enumerable.Range(0, (int)(length / 30) + 1).Select(i => i * 30.0))
        {
            Text(X(t), top3 + h3 + 14, $"{t:0} s", "text-anchor=\"middle\" fill=\"#555\"");
        }
        sb.Append("</svg>\n");
        return sb.ToString();
    }
}
