using System.Globalization;
using System.Security;
using System.Text;

namespace CityPass.LoadTests;

/// <summary>
/// The cluster run's scaling as a self-contained SVG: the best closed-loop rate through the balancer of ping and scans
/// with 1, 2, 3 servers (bars), and a scan's CPU time by process kind at each size (stacked bars, µs).
/// </summary>
public static class ScalingChart
{
    private const int Width = 900;
    private const int Left = 140;
    private const int Row = 26;

    private static readonly (string Kind, string Colour)[] Kinds =
    [
        ("servers", "#5b9bd5"), ("redis primary", "#c00000"), ("redis replicas", "#f4b183"), ("sentinels", "#ffc000"), ("postgres", "#70ad47"),
        ("haproxy", "#7030a0"), ("wrk", "#a5a5a5"), ("runner", "#d9d9d9"), ("other", "#404040"),
    ];

    public static string Render(ClusterResults run)
    {
        ArgumentNullException.ThrowIfNull(run);
        var sizes = run.Scaling.Select(s => s.Servers).Distinct().Order().ToList();
        var plot = Width - Left - 120;
        var top1 = 60;
        var h1 = sizes.Count * 2 * Row;
        var top2 = top1 + h1 + 70;
        var h2 = sizes.Count * Row;
        var legend = top2 + h2 + 30;
        var height = legend + 30;
        var sb = new StringBuilder();
        string F(double x) => x.ToString("0.#", CultureInfo.InvariantCulture);
        void Text(double x, double y, string text, string extra = "") =>
            sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{F(x)}\" y=\"{F(y)}\" {extra}>{SecurityElement.Escape(text)}</text>\n");
        void Rect(double x, double y, double w, double h, string fill) =>
            sb.Append(CultureInfo.InvariantCulture, $"<rect x=\"{F(x)}\" y=\"{F(y)}\" width=\"{F(Math.Max(0, w))}\" height=\"{F(Math.Max(0, h))}\" fill=\"{fill}\"/>\n");

        sb.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{height}\" viewBox=\"0 0 {Width} {height}\" font-family=\"sans-serif\" font-size=\"12\">\n");
        Rect(0, 0, Width, height, "white");
        Text(10, 22, $"CityPass through haproxy - {run.StartedAt:yyyy-MM-dd HH:mm} UTC: servers 1..{sizes.LastOrDefault()} on {run.Machine.Cores} shared cores", "font-size=\"14\" font-weight=\"bold\"");

        Text(10, top1 - 12, "Best closed-loop rate through the balancer (requests/s): ping (grey), scans (blue)", "font-weight=\"bold\"");
        var best = sizes.SelectMany(n => new[] { run.Best(n, "GET /v1/ping"), run.Best(n, "POST /v1/scans") }).OfType<ScalingStep>().ToList();
        var maxRps = Math.Max(1, best.Count == 0 ? 1 : best.Max(s => s.RequestsPerSecond));
        var y = top1;
        foreach (var n in sizes)
        {
            foreach (var (endpoint, colour) in new[] { ("GET /v1/ping", "#a5a5a5"), ("POST /v1/scans", "#5b9bd5") })
            {
                if (run.Best(n, endpoint) is not { } s) continue;
                Text(Left - 8, y + 16, $"{n} server{(n == 1 ? "" : "s")}, {(endpoint.StartsWith("GET", StringComparison.Ordinal) ? "ping" : "scans")}", "text-anchor=\"end\"");
                var w = plot * s.RequestsPerSecond / maxRps;
                Rect(Left, y + 4, w, Row - 8, colour);
                Text(Left + w + 6, y + 16, s.RequestsPerSecond.ToString("N0", CultureInfo.InvariantCulture));
                y += Row;
            }
        }

        Text(10, top2 - 12, "CPU time per scan by process kind, µs (the best scan step at each size)", "font-weight=\"bold\"");
        var perScan = sizes.Select(n => (n, Step: run.Best(n, "POST /v1/scans"))).Where(x => x.Step is not null).ToList();
        var maxUs = Math.Max(1, perScan.Count == 0 ? 1 : perScan.Max(x => x.Step!.MicrosPerRequest(x.Step.Cpu.Busy)));
        y = top2;
        foreach (var (n, step) in perScan)
        {
            Text(Left - 8, y + 16, $"{n} server{(n == 1 ? "" : "s")}", "text-anchor=\"end\"");
            double x = Left;
            foreach (var (kind, cores) in step!.Cpu.ByKind)
            {
                var w = plot * step.MicrosPerRequest(cores) / maxUs;
                Rect(x, y + 4, w, Row - 8, Kinds.First(k => k.Kind == kind).Colour);
                x += w;
            }
            Text(x + 6, y + 16, $"{step.MicrosPerRequest(step.Cpu.Busy):N0} µs");
            y += Row;
        }
        double lx = 10;
        foreach (var (kind, colour) in Kinds)
        {
            Rect(lx, legend, 12, 12, colour);
            Text(lx + 16, legend + 11, kind);
            lx += 24 + (kind.Length * 7);
        }
        sb.Append("</svg>\n");
        return sb.ToString();
    }
}
