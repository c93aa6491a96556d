namespace CityPass.Core.Identify;

/// <summary>
/// The age band a venue may be told instead of a birth date: coarse enough to say little about the person, fine enough
/// for what libraries and hospitals ask (a child's card, a senior's discount, a paediatric or geriatric desk). The
/// bounds follow the ages at which Chinese rules change something: 18 (adult), 60 (senior, 老年人优待), with the
/// working years split where libraries and clinics split them, and 75 for the oldest old.
/// Only a birth year is on record, so the age is the age reached in the current calendar year (in the city's time
/// zone): someone born in 2008 is in 18-29 from 1 January 2026. A band is never finer than its bounds below.
/// </summary>
public static class AgeBands
{
    /// <summary>Lower bounds of the bands, ascending; each band runs to the next bound minus one.</summary>
    private static readonly int[] Lower = [0, 18, 30, 45, 60, 75];

    private static readonly string[] Names = ["0-17", "18-29", "30-44", "45-59", "60-74", "75+"];

    /// <summary>Every band, youngest first: what the documentation and the H5 page list.</summary>
    public static IReadOnlyList<string> All => Names;

    /// <summary>The oldest birth year the records accept: nobody alive was born earlier.</summary>
    public const int MinBirthYear = 1900;

    /// <summary>The band of someone born in <paramref name="birthYear"/> in <paramref name="currentYear"/>; null for a year in the future or before <see cref="MinBirthYear"/>.</summary>
    public static string? Of(int birthYear, int currentYear)
    {
        if (birthYear < MinBirthYear || birthYear > currentYear) return null;
        var age = currentYear - birthYear;
        for (var i = Lower.Length - 1; i >= 0; i--)
        {
            if (age >= Lower[i]) return Names[i];
        }
        return null;
    }

    /// <summary>Whether <paramref name="birthYear"/> can be a living citizen's in <paramref name="currentYear"/>.</summary>
    public static bool IsBirthYear(int birthYear, int currentYear) => birthYear >= MinBirthYear && birthYear <= currentYear;
}
