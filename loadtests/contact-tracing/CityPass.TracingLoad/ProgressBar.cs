using System.Diagnostics;
using System.Globalization;

namespace CityPass.TracingLoad;

/// <summary>A one-line progress bar on stderr (rows, rate, time left), redrawn at most twice a second; stdout stays for results.</summary>
internal sealed class ProgressBar(string label, long total, string unit = "rows", double scale = 1e6, string suffix = "M")
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private long _done;
    private long _lastDrawMs = -1000;

    public void Add(long rows)
    {
        _done += rows;
        if (_clock.ElapsedMilliseconds - _lastDrawMs >= 500 || _done >= total) Draw();
    }

    public void Finish(string? note = null)
    {
        Draw();
        Console.Error.WriteLine(note is null ? "" : "  " + note);
    }

    private void Draw()
    {
        _lastDrawMs = _clock.ElapsedMilliseconds;
        var fraction = total == 0 ? 1 : Math.Min(1, (double)_done / total);
        const int width = 30;
        var filled = (int)(fraction * width);
        var seconds = Math.Max(_clock.Elapsed.TotalSeconds, 0.001);
        var rate = _done / seconds;
        var left = rate > 0 ? TimeSpan.FromSeconds((total - _done) / rate) : TimeSpan.Zero;
        Console.Error.Write(string.Create(CultureInfo.InvariantCulture,
            $"\r{label} [{new string('#', filled)}{new string('.', width - filled)}] {fraction * 100,5:F1}% {_done / scale:F2}{suffix}/{total / scale:F2}{suffix} {unit}, {rate:F0} {unit}/s, {left:mm\\:ss} left   "));
    }
}
