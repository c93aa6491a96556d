using Microsoft.AspNetCore.Http.HttpResults;

namespace CityPass.Server.Problems;

/// <summary>An expected failure of a service call: an HTTP status, a stable code, words for people, and field errors.</summary>
public sealed record Failure(int Status, string Code, string Title, IDictionary<string, string[]>? Errors = null)
{
    public static Failure NotFound(string what) => new(StatusCodes.Status404NotFound, ProblemCodes.NotFound, $"{what} not found.");

    public static Failure Forbidden(string why) => new(StatusCodes.Status403Forbidden, ProblemCodes.Forbidden, why);

    public static Failure Conflict(string why) => new(StatusCodes.Status409Conflict, ProblemCodes.Conflict, why);

    public static Failure Invalid(string field, string message) => Invalid(new Dictionary<string, string[]> { [field] = [message] });

    public static Failure Invalid(IDictionary<string, string[]> errors) =>
        new(StatusCodes.Status400BadRequest, ProblemCodes.ValidationFailed, "The request is not valid.", errors);

    public ProblemHttpResult ToProblem() => Errors is { Count: > 0 } errors && Code == ProblemCodes.ValidationFailed
        ? Problem.Validation(errors)
        : Problem.Of(Status, Code, Title);
}

/// <summary>A service's answer: a value, or an expected failure (returned, not thrown).</summary>
public readonly record struct Outcome<T>(T? Value, Failure? Failure)
{
    public bool Succeeded => Failure is null;

    public static implicit operator Outcome<T>(T value) => new(value, null);

    public static implicit operator Outcome<T>(Failure failure) => new(default, failure);
}

public static class OutcomeResults
{
    public static Results<Ok<T>, ProblemHttpResult> ToOk<T>(this Outcome<T> outcome) =>
        outcome.Failure is { } f ? f.ToProblem() : TypedResults.Ok(outcome.Value!);

    public static Results<NoContent, ProblemHttpResult> ToNoContent(this Failure? failure) =>
        failure is { } f ? f.ToProblem() : TypedResults.NoContent();
}
