namespace CityPass.Core.Citizens;

/// <summary>The health status a pass shows. The numeric values are part of the token format (v1).</summary>
public enum StatusColour : byte
{
    Green = 0,
    Yellow = 1,
    Red = 2,
}

/// <summary>A set of colours, e.g. the ones a venue admits.</summary>
[Flags]
public enum StatusColours : byte
{
    None = 0,
    Green = 1 << StatusColour.Green,
    Yellow = 1 << StatusColour.Yellow,
    Red = 1 << StatusColour.Red,
    All = Green | Yellow | Red,
}

public static class StatusColourExtensions
{
    public static StatusColours AsSet(this StatusColour colour) => (StatusColours)(1 << (int)colour);

    public static bool Contains(this StatusColours set, StatusColour colour) => (set & colour.AsSet()) != 0;

    /// <summary>The lower-case word used in JSON and on pages: green, yellow, red.</summary>
    public static string ToWireName(this StatusColour colour) => colour switch
    {
        StatusColour.Green => "green",
        StatusColour.Yellow => "yellow",
        StatusColour.Red => "red",
    };

    public static bool TryParseWireName(string? text, out StatusColour colour)
    {
        switch (text?.Trim().ToLowerInvariant())
        {
            case "green": colour = StatusColour.Green; return true;
            case "yellow": colour = StatusColour.Yellow; return true;
            case "red": colour = StatusColour.Red; return true;
            default: colour = default; return false;
        }
    }
}
