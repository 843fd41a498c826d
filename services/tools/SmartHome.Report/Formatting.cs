using System.Globalization;

namespace SmartHome.Report;

/// <summary>One number format per kind of quantity, shared by the CSV, the summary and the tests.</summary>
public static class Fmt
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>Milliseconds in tables: 3 decimals.</summary>
    public static string Ms(double v) => v.ToString("0.000", Inv);

    /// <summary>Microseconds in tables: 1 decimal.</summary>
    public static string Us(double v) => v.ToString("0.0", Inv);

    /// <summary>Rates (per second): whole numbers.</summary>
    public static string Rate(double v) => v.ToString("0", Inv);

    /// <summary>Percentages: 2 decimals.</summary>
    public static string Pct(double v) => v.ToString("0.00", Inv);

    public static string Int(long v) => v.ToString(Inv);

    /// <summary>Machine-readable number (CSV): round-trippable.</summary>
    public static string Raw(double v) => v.ToString("R", Inv);

    public static string Bytes(long v) => v switch
    {
        >= 1L << 20 => (v / 1048576.0).ToString("0.0", Inv) + " MiB",
        >= 1L << 10 => (v / 1024.0).ToString("0.0", Inv) + " KiB",
        _ => v.ToString(Inv) + " B",
    };
}
