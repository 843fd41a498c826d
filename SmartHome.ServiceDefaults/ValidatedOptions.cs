using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace SmartHome.ServiceDefaults;

/// <summary>Settings that can say, one sentence each, what is wrong with them.</summary>
public interface IValidatableOptions
{
    /// <summary>Every problem with these settings, one sentence each; empty when valid.</summary>
    IReadOnlyList<string> Problems();
}

/// <summary>Turns <see cref="IValidatableOptions.Problems"/> into the options framework's validation.</summary>
public sealed class ProblemsValidator<T> : IValidateOptions<T>
    where T : class, IValidatableOptions
{
    public ValidateOptionsResult Validate(string? name, T options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = options.Problems();
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}

public static class ValidatedOptionsExtensions
{
    /// <summary>
    /// Binds <typeparamref name="T"/> to <paramref name="section"/>, validated at start (<c>ValidateOnStart</c>), and returns the
    /// bound value now, validated the same way: a service that opens files or keys with these settings before it starts
    /// stops on a bad value with one sentence (an <see cref="OptionsValidationException"/>, caught by its startup check).
    /// </summary>
    public static T AddValidatedOptions<T>(this IHostApplicationBuilder builder, string section)
        where T : class, IValidatableOptions, new()
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton<IValidateOptions<T>, ProblemsValidator<T>>();
        builder.Services.AddOptions<T>().Bind(builder.Configuration.GetSection(section)).ValidateOnStart();

        var value = new T();
        builder.Configuration.GetSection(section).Bind(value);
        var result = new ProblemsValidator<T>().Validate(Options.DefaultName, value);
        return result.Failed ? throw new OptionsValidationException(Options.DefaultName, typeof(T), result.Failures) : value;
    }

    /// <summary>The failures of an <see cref="OptionsValidationException"/> as sentences, without the framework's prefix.</summary>
    public static string Sentences(this OptionsValidationException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return string.Join(" ", exception.Failures);
    }
}
