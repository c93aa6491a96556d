using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace CityPass.Server.Problems;

/// <summary>Builds ProblemDetails results that always carry a stable "code".</summary>
public static class Problem
{
    public static ProblemHttpResult Of(int status, string code, string title, string? detail = null, IDictionary<string, object?>? extensions = null)
    {
        var problem = new ProblemDetails { Status = status, Title = title, Detail = detail, Type = $"https://citypass.example/problems/{code}" };
        problem.Extensions["code"] = code;
        if (extensions is not null)
        {
            foreach (var (k, v) in extensions) problem.Extensions[k] = v;
        }
        return TypedResults.Problem(problem);
    }

    public static ProblemHttpResult NotFound(string what) => Of(StatusCodes.Status404NotFound, ProblemCodes.NotFound, $"{what} not found.");

    public static ProblemHttpResult Validation(IDictionary<string, string[]> errors)
    {
        var problem = new HttpValidationProblemDetails(errors)
        {
            Status = StatusCodes.Status400BadRequest,
            Title = "The request is not valid.",
            Type = $"https://citypass.example/problems/{ProblemCodes.ValidationFailed}",
        };
        problem.Extensions["code"] = ProblemCodes.ValidationFailed;
        return TypedResults.Problem(problem);
    }

    public static ProblemHttpResult Validation(string field, string message) => Validation(new Dictionary<string, string[]> { [field] = [message] });
}
