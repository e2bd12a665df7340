import { ApiProperty } from '@nestjs/swagger';

/** The one error body of the API: `{status_code, error, detail}` for every error. */
export class ApiErrorDto {
  @ApiProperty({ example: 404 })
  status_code: number;

  @ApiProperty({ example: 'Not Found' })
  error: string;

  @ApiProperty({ example: 'Deployment not found' })
  detail: string;
}
