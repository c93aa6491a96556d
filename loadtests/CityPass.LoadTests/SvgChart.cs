using System.Globalization;
using System.Security;
using System.Text;

namespace CityPass.LoadTests;

/// <summary>
/// The run's chart as a self-contained SVG: throughput per scenario (bars) and latency percentiles
/// per scenario (p50/p90/p99 on a log scale, so sub-millisecond and 100 ms both read).
/// </summary>
public static class SvgChart
{
    private const int Width = 960;
    private const int Label = 300;
    private const int Row = 22;
    private const double MinMs = 0.1;
    private const double MaxMs = 1000;

    public static string Render(RunResults run)
    {
        ArgumentNullException.ThrowIfNull(run);
        var rows = run.Scenarios.Where(s => s.Group != "profile").ToList();
        var plot = Width - Label - 90;
        var top1 = 60;
        var h1 = rows.Count * Row;
        var top2 = top1 + h1 + 90;
        var h2 = rows.Count * Row;
        var height = top2 + h2 + 60;
        var maxRps = Math.Max(1, rows.Max(r => r.RequestsPerSecond));
        var sb = new StringBuilder();
        string F(double x) => x.ToString("0.#", CultureInfo.InvariantCulture);
        void Text(double x, double y, string text, string extra = "") =>
            sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{F(x)}\" y=\"{F(y)}\" {extra}>{SecurityElement.Escape(text)}</text>\n");

        sb.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{height}\" viewBox=\"0 0 {Width} {height}\" font-family=\"sans-serif\" font-size=\"12\">\n");
        sb.Append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        Text(10, 22, $"CityPass scan-verify under load - {run.StartedAt:yyyy-MM-dd HH:mm} UTC, {run.Machine.Cores} cores shared by server, wrk, Redis, PostgreSQL",
            "font-size=\"14\" font-weight=\"bold\"");
        Text(10, top1 - 12, "Throughput (requests/s)", "font-weight=\"bold\"");
        for (var i = 0; i < rows.Count; i++)
        {
            var r = rows[i];
            var y = top1 + i * Row;
            var w = plot * r.RequestsPerSecond / maxRps;
            Text(Label - 8, y + 15, r.Title, "text-anchor=\"end\"");
            sb.Append(CultureInfo.InvariantCulture, $"<rect x=\"{Label}\" y=\"{y + 3}\" width=\"{F(w)}\" height=\"{Row - 6}\" fill=\"{Colour(r.Group)}\"/>\n");
            Text(Label + w + 5, y + 15, r.RequestsPerSecond.ToString("N0", CultureInfo.InvariantCulture));
        }

        Text(10, top2 - 32, "Latency (ms, log scale): p50, p90, p99 - scans timed from each request's planned start at fixed rates", "font-weight=\"bold\"");
        double X(double ms) => Label + plot * (Math.Log10(Math.Clamp(ms, MinMs, MaxMs)) - Math.Log10(MinMs)) / (Math.Log10(MaxMs) - Math.Log10(MinMs));
        foreach (var tick in new[] { 0.1, 1, 5, 10, 100, 1000 })
        {
            var x = X(tick);
            sb.Append(CultureInfo.InvariantCulture, $"<line x1=\"{F(x)}\" y1=\"{top2 - 6}\" x2=\"{F(x)}\" y2=\"{top2 + h2}\" stroke=\"{(tick == 5 ? "#c00" : "#ddd")}\"/>\n");
            Text(x, top2 - 10, tick == 5 ? "5 ms" : F(tick), "text-anchor=\"middle\" fill=\"#555\"");
        }
        for (var i = 0; i < rows.Count; i++)
        {
            var r = rows[i];
            var y = top2 + i * Row;
            Text(Label - 8, y + 15, r.Title, "text-anchor=\"end\"");
            var (p50, p90, p99) = (r.Latency.P50, r.Latency.P90, r.Latency.P99);
            sb.Append(CultureInfo.InvariantCulture, $"<rect x=\"{Label}\" y=\"{y + 3}\" width=\"{F(X(p99) - Label)}\" height=\"{Row - 6}\" fill=\"#f4b183\"/>\n");
            sb.Append(CultureInfo.InvariantCulture, $"<rect x=\"{Label}\" y=\"{y + 3}\" width=\"{F(X(p90) - Label)}\" height=\"{Row - 6}\" fill=\"#f8cbad\" opacity=\"0.9\"/>\n");
            sb.Append(CultureInfo.InvariantCulture, $"<rect x=\"{Label}\" y=\"{y + 3}\" width=\"{F(X(p50) - Label)}\" height=\"{Row - 6}\" fill=\"#5b9bd5\"/>\n");
            Text(X(p99) + 5, y + 15, string.Create(CultureInfo.InvariantCulture, $"{p50:0.00} / {p90:0.00} / {p99:0.00}"), "fill=\"#333\"");
        }
        var legendY = top2 + h2 + 30;
        var legend = new[] { ("#5b9bd5", "p50"), ("#f8cbad", "p90"), ("#f4b183", "p99"), (Colour("max"), "verify, closed loop"), (Colour("baseline"), "ping baseline"),
            (Colour("rate"), "verify, fixed rate"), (Colour("mixed"), "mixed 90/9/1"), (Colour("soak"), "soak") };
        var lx = 10.0;
        foreach (var (colour, name) in legend)
        {
            sb.Append(CultureInfo.InvariantCulture, $"<rect x=\"{F(lx)}\" y=\"{legendY - 10}\" width=\"12\" height=\"12\" fill=\"{colour}\"/>\n");
            Text(lx + 16, legendY, name);
            lx += 28 + name.Length * 7;
        }
        sb.Append("</svg>\n");
        return sb.ToString();
    }

    private static string Colour(string group) => group switch
    {
        "baseline" => "#a5a5a5",
        "max" => "#4472c4",
        "rate" => "#70ad47",
        "mixed" => "#ffc000",
        "soak" => "#7030a0",
        _ => "#999",
    };
}
