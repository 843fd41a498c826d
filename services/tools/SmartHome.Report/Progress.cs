namespace SmartHome.Report;

/// <summary>A progress bar on a terminal (one line redrawn with \r); plain lines at 10 % steps when redirected.</summary>
public sealed class ConsoleProgress(TextWriter output, bool interactive)
{
    private readonly object _gate = new();
    private string _stage = string.Empty;
    private int _lastDecile = -1;
    private bool _open;

    public static ConsoleProgress ForConsole() => new(Console.Out, !Console.IsOutputRedirected);

    public void Report(string stage, double fraction, string? detail = null)
    {
        fraction = Math.Clamp(double.IsNaN(fraction) ? 0 : fraction, 0, 1);
        lock (_gate)
        {
            if (interactive)
            {
                const int width = 30;
                var filled = (int)Math.Round(fraction * width);
                var line = $"\r[{new string('#', filled)}{new string('-', width - filled)}] {fraction * 100,5:0.0}% {stage}{(detail is null ? "" : " — " + detail)}";
                output.Write(line.Length > 119 ? line[..119] : line.PadRight(Math.Min(119, line.Length + 8)));
                _open = true;
                return;
            }

            var decile = (int)(fraction * 10);
            if (stage != _stage || decile != _lastDecile)
            {
                _stage = stage;
                _lastDecile = decile;
                output.WriteLine($"{DateTime.Now:HH:mm:ss} {stage}: {fraction * 100:0}%{(detail is null ? "" : " — " + detail)}");
            }
        }
    }

    /// <summary>A finished stage or a message: ends the bar line first.</summary>
    public void Line(string message)
    {
        lock (_gate)
        {
            if (_open)
            {
                output.WriteLine();
                _open = false;
            }

            output.WriteLine($"{DateTime.Now:HH:mm:ss} {message}");
            _stage = string.Empty;
            _lastDecile = -1;
        }
    }
}
