import aws_s3_upload
import logging
import sys
import traceback

root = logging.getLogger()
if root.handlers:
    for handler in root.handlers:
        root.removeHandler(handler)
logging.basicConfig(stream=sys.stdout, level=logging.INFO)

def lambda_handler(event, context):
    try:
        # アップロード元ファイルを配置したディレクトリ
        srcdir = '/path/to/source_dir'
        # アップロード先のS3バケット名
        bucket_name = 'my_bucket'
        # 格納先のS3オブジェクト・キーのプレフィックス
        key_prefix = 'folder1/folder2'
        # アップロード後にアップロード元のファイルを削除しない
        remove_src = 'False'
        # アップロード元フォルダ配下のファイルを再帰的にS3バケットに格納する
        # 格納先のS3オブジェクトのキーは、
        #     キーのプレフィックス+'/'+アップロード元ディレクトリ空の相対パス
        # となる
        aws_s3_upload.upload_file(srcdir, bucket_name, key_prefix,
                'true'==remove_src.lower() if remove_src != None else False)
    except Exception as cm:
        logging.error(str(cm.__class__) + ': ' +  str(cm))
        traceback.print_stack(file=sys.stdout)
        raise
