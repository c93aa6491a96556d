using System.Globalization;
using CityPass.Server.Admin;

namespace CityPass.Server.Cases;

/// <summary>
/// Case ids are short and readable, <c>C-2026-000042</c>: staff read them out on the phone, type them into the
/// status form and quote them in letters, which a UUID defeats. The number alone is unique (one sequence for
/// every year, never reset); the year, the city's year the case was opened, is there for people. Ids are not
/// secrets: only the authority's roles can read cases.
/// </summary>
public static class CaseIds
{
    /// <summary>The id of case number <paramref name="number"/> opened at <paramref name="openedAt"/> (dated in the city's year, as people there quote it).</summary>
    public static string For(DateTimeOffset openedAt, long number) => Format(ConsoleTime.Local(openedAt).Year, number);

    public static string Format(int year, long number) =>
        string.Create(CultureInfo.InvariantCulture, $"C-{year:D4}-{number:D6}");

    /// <summary>The case id <paramref name="text"/> names in its canonical form (trimmed, upper case), with its number; false when it is no case id.</summary>
    public static bool TryParse(string? text, out string id, out long number)
    {
        (id, number) = ("", 0);
        var t = text?.Trim().ToUpperInvariant();
        if (t is null || t.Length < 13 || t.Length > 30 || !t.StartsWith("C-", StringComparison.Ordinal) || t[6] != '-') return false;
        if (!int.TryParse(t.AsSpan(2, 4), NumberStyles.None, CultureInfo.InvariantCulture, out var year)
            || !long.TryParse(t.AsSpan(7), NumberStyles.None, CultureInfo.InvariantCulture, out number) || number < 1) return false;
        // One spelling per case: C-2026-42 or C-2026-0000042 name no case.
        id = Format(year, number);
        return id == t;
    }
}
