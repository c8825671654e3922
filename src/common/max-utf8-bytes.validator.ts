import { ValidateBy, ValidationOptions } from 'class-validator';

/** Caps a string by its UTF-8 size (not its length in UTF-16 units), e.g. a password before hashing. */
export function MaxUtf8Bytes(
  max: number,
  options?: ValidationOptions,
): PropertyDecorator {
  return ValidateBy(
    {
      name: 'maxUtf8Bytes',
      constraints: [max],
      validator: {
        validate: (value: unknown) =>
          typeof value === 'string' && Buffer.byteLength(value, 'utf8') <= max,
        defaultMessage: () => `$property must be at most ${max} bytes of UTF-8`,
      },
    },
    options,
  );
}
