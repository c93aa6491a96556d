namespace CityPass.Server.Cases;

/// <summary>The stable codes of the case rule and of case changes (ProblemDetails "code").</summary>
public static class CaseCodes
{
    /// <summary>A yellow or red status names a case id that does not exist (or no case id at all). 422.</summary>
    public const string CaseNotFound = "case_not_found";

    /// <summary>A yellow or red status names a closed case; or a change to a closed case. 422 / 409.</summary>
    public const string CaseClosed = "case_closed";

    /// <summary>A yellow or red status names a case whose type is not a health type (a travel rule). 422.</summary>
    public const string CaseNotHealth = "case_not_health";
}
